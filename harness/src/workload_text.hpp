// Checks on a workload file's raw text before the YAML parser builds anything from it: the encoding
// (UTF-8 only, so every text that reaches results, JSON and the server is valid), NUL bytes, and the
// size the document would have once YAML aliases are expanded (an "alias bomb" of a few hundred bytes
// expands to billions of nodes). Each failure is an InputError naming file:line.
#pragma once

#include <cstdint>
#include <string>

namespace perfgate
{

// The most nodes a workload document may have with its aliases expanded; the built-in suite has a few
// hundred, a generated file with 200,000 variants about 1.5 million.
inline constexpr std::int64_t max_expanded_yaml_nodes = 20'000'000;

void check_workload_text(const std::string &text, const std::string &file);

} // namespace perfgate
