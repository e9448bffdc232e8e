// `perfgate gate`: the CI entry point. Runs the workloads and compares them with the baseline
// (gate_run.hpp: interleaved re-run of the baseline's versions, confirmation of latency failures), or
// with --update-baseline records this run as the new baseline.
#include "baseline.hpp"
#include "command.hpp"
#include "gate_run.hpp"
#include "pg.hpp"

#include <cstdio>

namespace perfgate
{
namespace
{

void add_options(CLI::App *cmd, Options &o)
{
    add_workload_argument(cmd, o);
    cmd->add_option("-b,--baseline", o.baseline, "baseline results file")->required();
    cmd->add_flag("--update-baseline", o.update_baseline,
                  "record this run as the new baseline instead of comparing (after an intended change)");
    cmd->add_option("-o,--output", o.output, "also write this run's results file");
    cmd->add_flag("--no-rerun", o.no_rerun,
                  "judge latency against the stored baseline samples instead of an interleaved re-run of the "
                  "baseline's workloads");
    cmd->add_flag("--no-confirm", o.no_confirm,
                  "count a latency regression without re-running its scenario to confirm it");
    add_target_options(cmd, o);
    add_report_options(cmd, o);
}

ExitCode update_baseline(const Options &o)
{
    const Results current = run_suite(o);
    if (!o.output.empty())
        write_results(o.output, current);
    write_results(o.baseline, current);
    const GateOutcome absolute = evaluate(current, nullptr);
    write_reports(o, current, &absolute);
    if (!o.quiet)
        std::printf("\nperfgate: baseline written to %s\n", o.baseline.c_str());
    return absolute.failed() ? ExitCode::regression : ExitCode::pass;
}

ExitCode run(const Options &o)
{
    if (o.update_baseline)
        return update_baseline(o);
    // Read first: a missing or foreign baseline fails (exit 3) before minutes of running.
    const Results baseline = read_results(o.baseline);
    const auto workloads = command_workloads(o);
    require_same_data(baseline, workloads, o.baseline); // exit 3 before any server work
    Target target = choose_target(o);
    Connection conn(target.conninfo);
    const auto progress = make_progress(o);
    const GateRunOptions options{
        .run = run_options(o, &target), .rerun = !o.no_rerun, .confirm = !o.no_confirm};
    const GateRun gate = run_gate(conn, workloads, baseline, o.baseline, options, *progress);
    if (!o.output.empty())
        write_results(o.output, gate.current);
    write_reports(o, gate.current, &gate.outcome, &baseline);
    return gate.outcome.failed() ? ExitCode::regression : ExitCode::pass;
}

} // namespace

extern const Command gate_command{"gate", "run workloads and compare with the baseline: the CI entry point",
                                  add_options, run};

} // namespace perfgate
