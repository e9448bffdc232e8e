// Deterministic data generation for workload data sets, and the two encodings that carry generated
// values to the server without building SQL from data: PostgreSQL array literals (bound as one
// parameter) and COPY text format. The same (data set, seed, $n) always yields the same rows, on every
// platform: the generator is a fixed SplitMix64, not std::uniform_*_distribution.
#pragma once

#include "workload.hpp"

#include <string>
#include <vector>

namespace perfgate
{

struct RowSet
{
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;
    int column_index(const std::string &name) const; // -1 when absent
};

RowSet generate(const DataSet &spec, const Vars &vars);

// `{"a","b"}`: every element quoted, so text with commas, quotes or braces survives.
std::string array_literal(const RowSet &set, int column);

// Rows [begin, end) in COPY text format, tab-separated, one line per row.
std::string copy_text(const RowSet &set, std::size_t begin, std::size_t end);

} // namespace perfgate
