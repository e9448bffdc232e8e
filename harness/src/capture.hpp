// `perfgate capture`: a server's hot statements, read through pg_perfgate, become one workload file
// that replays them with their sampled parameter values in the observed mix, on the tables they
// touch (DDL from the catalogs, indexes and constraints included, foreign keys left out) filled with
// data generated from the server's statistics (reltuples, pg_stats), scaled. Statements it cannot
// replay are listed in the file and on stdout with the reason.
#pragma once

#include "pg.hpp"

#include <string>

namespace perfgate
{

struct CaptureOptions
{
    int limit = 10;                // -n: statements replayed
    std::string by = "total_time"; // --by total_time|calls
    double scale = 1.0;            // --scale: rows = reltuples * scale
    std::string output;            // -o FILE (required)
    bool redact = false;           // --redact: values drawn from pg_stats instead of the samples
    int iterations = 12;           // of the written workload
    int budget = 1000;             // executions per iteration, all statements together (at most)
};

// Reads the server behind `conn` (its connected database) and writes the workload to o.output.
// Prints a summary (what was captured, what was left out and why) on stdout. Throws InputError when
// the extension cannot be read or nothing can be replayed.
void run_capture(const std::string &conninfo, const CaptureOptions &o);

} // namespace perfgate
