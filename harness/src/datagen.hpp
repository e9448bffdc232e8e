// Deterministic data generation for workload data sets, and the two encodings that carry generated
// values to the server without building SQL from data: PostgreSQL array literals (bound as one
// parameter) and COPY text format. The same (data set, seed, $n) always yields the same rows, on every
// platform: the generator is a fixed SplitMix64, not std::uniform_*_distribution.
#pragma once

#include "workload.hpp"

#include <map>
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

// Data set name -> hash of its generation (count, seed, columns), for each data set a step actually
// reads. Together with the sizes this decides whether two runs measured the same data; a data set no
// step uses is left out, so adding or editing one cannot make a baseline non-comparable.
std::map<std::string, std::string> data_hashes(const Workload &w);

} // namespace perfgate
