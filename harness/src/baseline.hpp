// Baseline files: reading (with the distinct failures "missing", "not a results file", "other format
// version"), writing (atomically, files.hpp: a crash never leaves a half-written baseline), and the
// comparability check between a baseline and a new run.
#pragma once

#include "results.hpp"

#include <string>
#include <vector>

namespace perfgate
{

Results read_results(const std::string &path);
void write_results(const std::string &path, const Results &results);

// What differs between the environments of two runs, one line each; empty when comparable. The
// Environment form compares server, settings and extension only: what is known before any workload ran.
std::vector<std::string> environment_differences(const Environment &baseline, const Environment &current);
std::vector<std::string> environment_differences(const Results &baseline, const Results &current);
// "a=1, b=2": settings as a person would type them.
std::string settings_text(const std::map<std::string, std::string> &settings);
// What to do about a missing or non-comparable baseline (never: record one from the change itself).
std::string record_advice(const std::string &baseline_path);
// Throws BaselineError (exit code 3) naming every difference.
void require_comparable(const Results &baseline, const Results &current, const std::string &baseline_path);
void require_comparable(const Environment &baseline, const Environment &current,
                        const std::string &baseline_path);

} // namespace perfgate
