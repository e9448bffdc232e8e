// The gate: decides whether a run regressed against a baseline. Deterministic checks decide first
// and exactly (statements, round trips, rows, bytes, plan shapes, growth of the statement count for
// batched variants, buffers within a tolerance); latency only fails when the one-sided Mann-Whitney
// test gives p < alpha AND the whole confidence interval of the median ratio lies above
// 1 + min_effect. PG-free: operates on Results only.
#pragma once

#include "results.hpp"

#include <string>
#include <vector>

namespace perfgate
{

enum class Verdict
{
    pass,
    fail,
    improved,
    skipped
};

struct Finding
{
    std::string scenario, variant, gate;
    std::int64_t n = 0; // 0: across sizes
    Verdict verdict = Verdict::pass;
    std::string message; // names scenario, variant, size and metric; self-contained for CI logs
    // latency only
    double ratio = 0, lower = 0, upper = 0, p = 1;
    double baseline_ms = 0, current_ms = 0; // the medians compared
};

struct GateOutcome
{
    std::vector<Finding> findings;
    std::vector<std::pair<std::string, std::string>> checked; // (scenario, gate) pairs evaluated
    std::vector<std::string> notes;
    bool failed() const;
    int count(Verdict v) const;
};

inline const char *gate_names[] = {"statements", "round_trips", "rows",   "bytes",  "plans",
                                   "buffers",    "temp_blocks", "growth", "latency"};

// `baseline` may be null: then only the absolute gates (growth of batched variants) apply. With
// `rerun` (the baseline's workloads re-run now, interleaved with `current`), latency is compared with
// the re-run's samples instead of the stored ones; every other gate compares with `baseline`.
GateOutcome evaluate(const Results &current, const Results *baseline, const Results *rerun = nullptr);

// Latency failures that have to reproduce: each one stands only if `confirmation` (an independent
// interleaved run of the same scenarios) fails the same comparison; the others become passes with a
// note. The chance that noise fails a comparison twice is the square of failing it once.
void apply_confirmation(GateOutcome &outcome, const GateOutcome &confirmation);
// Scenarios with at least one failing latency comparison.
std::vector<std::string> scenarios_with_latency_failures(const GateOutcome &outcome);

} // namespace perfgate
