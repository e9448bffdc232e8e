// `perfgate top -i SEC`: a refreshing view of what each query group did in the last interval (calls,
// time, rows, I/O, temp blocks, failures), as differences between two snapshots of the extension's
// views, sorted by a key the user picks (as in top and pg_activity). On a terminal it redraws in place
// and reads keys (t, c, r, i, m, e; q quits, as does Ctrl-C, with the terminal restored); in a pipe
// or a log it prints one plain block per interval.
#pragma once

#include "top.hpp"

#include <string>
#include <vector>

namespace perfgate
{

const char *top_sort_name(TopSort key);
// "time", "calls", "rows", "io", "temp" or "errors"; false for anything else.
bool parse_top_sort(const std::string &name, TopSort &out);

// One query group's figures over an interval, and its text on one line.
struct IntervalRow
{
    double calls, time, rows, io, temp, errors;
    std::string query;
};

// The header lines, then the table of at most `limit` rows (already sorted by `key`, whose column is
// marked with '*'), the query cut to `width` (0: whole).
std::string render_interval_block(const std::vector<std::string> &header,
                                  const std::vector<IntervalRow> &rows, TopSort key, std::size_t width,
                                  std::size_t limit);

// Runs until q, Ctrl-C (SIGINT), SIGTERM, a closed pipe, or options.count intervals; returns the exit
// code (0). SQL errors are thrown, with the terminal already restored.
int run_top_interval(Connection &conn, const std::string &schema, const TopOptions &options);

} // namespace perfgate
