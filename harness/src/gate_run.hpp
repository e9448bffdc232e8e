// `perfgate gate` without the command line: run the current workloads against a stored baseline and
// decide. When the baseline carries its workload sources, the baseline's version of every scenario
// is re-run now, interleaved with the current version (run_workloads_ab), and latency is judged
// against that re-run, so drift between two separate runs (another job on the CI machine, a cooler
// CPU) cannot pass for a regression; a latency failure must then reproduce in a confirmation run.
// Every deterministic gate compares with the stored baseline.
#pragma once

#include "gate.hpp"
#include "pg.hpp"
#include "progress.hpp"
#include "results.hpp"
#include "runner.hpp"
#include "workload.hpp"

#include <functional>
#include <string>
#include <vector>

namespace perfgate
{

struct GateRunOptions
{
    RunOptions run;
    bool rerun = true;   // interleaved re-run of the baseline's workloads for the latency gate
    bool confirm = true; // re-run scenarios with latency failures; count only reproduced failures
};

struct GateRun
{
    Results current;
    GateOutcome outcome;
    bool interleaved = false;
};

// Throws BaselineError (exit code 3) when sizes or data generation differ, before any server work.
void require_same_data(const Results &baseline, const std::vector<Workload> &workloads,
                       const std::string &baseline_path);

GateRun run_gate(Connection &conn, const std::vector<Workload> &workloads, const Results &baseline,
                 const std::string &baseline_path, const GateRunOptions &options, Progress &progress);

// Runs two versions of some scenarios interleaved: on one server (`gate`) or on two (`ab`).
using AbRunner = std::function<AbResults(const std::vector<Workload> &previous,
                                         const std::vector<Workload> &current, const RunOptions &options)>;

// The confirmation run of `gate` and `ab`: the scenarios with a latency failure once more, interleaved,
// with the setup order of the versions reversed; a failure stands only if it reproduces
// (apply_confirmation). `previous[i]` is the other side's version of `current[i]`. The deterministic
// gates of the confirmation compare with `stored` (the stored baseline), or with the confirmation's
// own other side when it is null (`ab`: there is no stored baseline).
void confirm_latency_failures(GateOutcome &outcome, const std::vector<Workload> &previous,
                              const std::vector<Workload> &current, const RunOptions &options,
                              const Results *stored, const AbRunner &run);

} // namespace perfgate
