// `perfgate ab`: two targets, one workload set: interleaved rounds, then the gates with the reference
// target's samples as the baseline, and the gate's confirmation of latency failures (gate_run.hpp).
// Environment differences are the point here, so they are notes, not errors.
#include "baseline.hpp"
#include "command.hpp"
#include "gate_run.hpp"
#include "pg.hpp"

namespace perfgate
{
namespace
{

void add_options(CLI::App *cmd, Options &o)
{
    add_workload_argument(cmd, o);
    cmd->add_option("--reference-dsn", o.reference_dsn,
                    "the reference target (e.g. the server without a change)")
        ->required();
    cmd->add_option("-o,--output", o.output, "also write the target's results file");
    cmd->add_flag("--no-confirm", o.no_confirm,
                  "count a latency regression without re-running its scenario to confirm it");
    add_target_options(cmd, o);
    add_report_options(cmd, o);
}

ExitCode run(const Options &o)
{
    if (!server_given(o))
        throw InputError("ab: give the target under test with --dsn or -h/-p/-U/-d (and the reference with "
                         "--reference-dsn)");
    const auto workloads = command_workloads(o);
    Connection reference(o.reference_dsn), target(given_conninfo(o));
    const auto progress_ptr = make_progress(o);
    Progress &progress = *progress_ptr;
    const RunOptions options = run_options(o, nullptr);
    const AbResults both = run_workloads_ab(reference, target, workloads, workloads, options, progress);
    if (!o.output.empty())
        write_results(o.output, both.current);
    GateOutcome gate = evaluate(both.current, &both.baseline, &both.baseline);
    if (!o.no_confirm)
        confirm_latency_failures(gate, workloads, workloads, options, nullptr,
                                 [&](const std::vector<Workload> &previous,
                                     const std::vector<Workload> &current, const RunOptions &confirm_options)
                                 {
                                     // On new connections: two targets means two server processes, and a
                                     // process that is slow for reasons of its own (its CPU, its memory
                                     // placement) stays slow for the whole run.
                                     Connection reference_again(o.reference_dsn),
                                         target_again(given_conninfo(o));
                                     return run_workloads_ab(reference_again, target_again, previous, current,
                                                             confirm_options, progress);
                                 });
    for (const auto &diff : environment_differences(both.baseline, both.current))
        gate.notes.push_back("the targets differ: " + diff);
    write_reports(o, both.current, &gate, &both.baseline);
    return gate.failed() ? ExitCode::regression : ExitCode::pass;
}

} // namespace

extern const Command ab_command{
    "ab",
    "run the same workloads on two targets, interleaved, and gate the target (--dsn "
    "or -h/-p/-U/-d) against the --reference-dsn one",
    add_options, run};

} // namespace perfgate
