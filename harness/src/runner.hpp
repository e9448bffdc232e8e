// Replays workloads against one server connection and measures them. Per size: generate the data
// sets, run setup_per_size, then warm-up and measured iterations with the variants interleaved
// (iteration i runs every variant once, in a rotating order) so that drift on the machine hits all
// variants alike. Only the variant's own steps are inside the timer and the wire counters; setup,
// before_each, the extension reset/snapshot and EXPLAIN run outside both.
#pragma once

#include "pg.hpp"
#include "progress.hpp"
#include "results.hpp"
#include "workload.hpp"

#include <vector>

namespace perfgate
{

struct RunOptions
{
    int iterations = 0; // > 0 overrides every workload's iterations
    int warmup = -1;    // >= 0 overrides every workload's warm-up
};

Environment fingerprint(Connection &conn, bool extension);

Results run_workloads(Connection &conn, const std::vector<Workload> &workloads, const RunOptions &options,
                      Progress &progress);

} // namespace perfgate
