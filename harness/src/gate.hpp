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
    skipped,
    changed // a plan changed and nothing got worse with it: reported, not failed
};

// How every report names a verdict, in one place: `name` in JSON, `word` in the terminal's tables,
// `markdown` in the Markdown report (a failure in bold).
struct VerdictWords
{
    const char *name, *word, *markdown;
};
const VerdictWords &words(Verdict v);

struct Finding
{
    std::string scenario, variant, gate;
    std::int64_t n = 0; // 0: across sizes
    Verdict verdict = Verdict::pass;
    std::string message; // names scenario, variant, size and metric; self-contained for CI logs
    // latency only
    double ratio = 0, lower = 0, upper = 0, p = 1;
    double baseline_ms = 0, current_ms = 0; // the medians compared
    // plans only: judged by the other gates of the same variant and size (gates.plan_changes: judge)
    bool judged = false;
    std::string change; // the plan change itself, before the verdict's reason
    // What pg_perfgate saw that explains it (see evidence.hpp): plan changes named, statements that
    // appeared, the statement whose blocks grew. Empty without the extension on both sides.
    std::vector<std::string> evidence;
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

struct EvaluateOptions
{
    // Latency against the stored baseline samples (two separate, non-interleaved runs) fails the gate
    // only when asked for (`gate --no-rerun`); otherwise such comparisons are informational: drift
    // between two runs is not a regression of the code (docs/ci.md).
    bool gate_stored_latency = false;
};

// `baseline` may be null: then only the absolute gates (growth of batched variants) apply. With
// `rerun` (the baseline's workloads re-run now, interleaved with `current`), latency is compared with
// the re-run's samples instead of the stored ones; every other gate compares with `baseline`.
// A plan change fails when a gate of the same variant and size fails with it (it is slower or does
// more work), or always with `plan_changes: fail`; otherwise its verdict is `changed`.
GateOutcome evaluate(const Results &current, const Results *baseline, const Results *rerun = nullptr,
                     const EvaluateOptions &options = {});

// Latency failures that have to reproduce: each one stands only if `confirmation` (an independent
// interleaved run of the same scenarios) fails the same comparison; the others become passes with a
// note. The chance that noise fails a comparison twice is the square of failing it once.
// Judged plan changes are judged again afterwards, since a latency failure may not have stood.
void apply_confirmation(GateOutcome &outcome, const GateOutcome &confirmation);
// Scenarios with at least one failing latency comparison.
std::vector<std::string> scenarios_with_latency_failures(const GateOutcome &outcome);

} // namespace perfgate
