// The gate as a procedure: A/B re-run, comparability, evaluation, confirmation. See gate_run.hpp.
#include "gate_run.hpp"

#include "baseline.hpp"
#include "datagen.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace perfgate
{

void require_same_data(const Results &baseline, const std::vector<Workload> &workloads,
                       const std::string &baseline_path)
{
    Results planned;
    planned.env = baseline.env; // the server is not known yet: compare the workloads only
    for (const auto &w : workloads)
    {
        ScenarioResult s;
        s.name = w.name;
        s.sizes = w.sizes;
        s.data_hash = w.data_hash;
        s.data_hashes = data_hashes(w);
        planned.scenarios.push_back(s);
    }
    require_comparable(baseline, planned, baseline_path);
}

void confirm_latency_failures(GateOutcome &outcome, const std::vector<Workload> &previous,
                              const std::vector<Workload> &current, const RunOptions &options,
                              const Results *stored, const AbRunner &run)
{
    const auto suspects = scenarios_with_latency_failures(outcome);
    if (suspects.empty())
        return;
    std::vector<Workload> again_prev, again_cur;
    for (std::size_t i = 0; i < current.size(); ++i)
        if (std::find(suspects.begin(), suspects.end(), current[i].name) != suspects.end())
        {
            again_prev.push_back(previous[i]);
            again_cur.push_back(current[i]);
        }
    RunOptions confirm_options = options;
    confirm_options.reverse_setup = true;
    const AbResults again = run(again_prev, again_cur, confirm_options);
    apply_confirmation(outcome, evaluate(again.current, stored ? stored : &again.baseline, &again.baseline));
}

GateRun run_gate(Connection &conn, const std::vector<Workload> &workloads, const Results &baseline,
                 const std::string &baseline_path, const GateRunOptions &options, Progress &progress)
{
    // The baseline's own version of each scenario, if it kept the sources.
    std::vector<Workload> previous;
    bool ab = options.rerun;
    for (const auto &w : workloads)
    {
        const ScenarioResult *bs = baseline.scenario(w.name);
        if (!ab || !bs || bs->source.empty())
        {
            ab = false;
            break;
        }
        previous.push_back(
            parse_workload(bs->source, fmt::format("{} (baseline version of {})", baseline_path, bs->file)));
    }

    // The server, its settings (with --set) and the extension, before any workload runs: a foreign
    // baseline is refused in a fraction of a second, not after the whole run.
    require_comparable(baseline.env, prepare_session(conn, options.run), baseline_path);

    GateRun out;
    out.interleaved = ab;
    Results rerun;
    if (ab)
    {
        AbResults both = run_workloads_ab(conn, previous, workloads, options.run, progress);
        out.current = std::move(both.current);
        rerun = std::move(both.baseline);
    }
    else
        out.current = run_workloads(conn, workloads, options.run, progress);
    require_comparable(baseline, out.current, baseline_path);
    // Without an interleaved re-run, latency is judged on stored samples only if --no-rerun asked for it.
    const EvaluateOptions eval{.gate_stored_latency = !options.rerun};
    out.outcome = evaluate(out.current, &baseline, ab ? &rerun : nullptr, eval);

    if (ab && options.confirm)
        confirm_latency_failures(
            out.outcome, previous, workloads, options.run, &baseline,
            [&](const std::vector<Workload> &p, const std::vector<Workload> &c, const RunOptions &o)
            { return run_workloads_ab(conn, p, c, o, progress); });
    if (!ab)
        out.outcome.notes.push_back(
            fmt::format("latency compared with the stored baseline samples (no interleaved re-run: {})",
                        options.rerun ? "the baseline does not carry the workload sources of every scenario; "
                                        "informational only"
                                      : "--no-rerun"));
    return out;
}

} // namespace perfgate
