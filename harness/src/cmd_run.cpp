// `perfgate run`: run workloads and write the results; the absolute gates (growth of batched variants)
// decide the exit code.
#include "baseline.hpp"
#include "command.hpp"

namespace perfgate
{
namespace
{

void add_options(CLI::App *cmd, Options &o)
{
    add_workload_argument(cmd, o);
    cmd->add_option("-o,--output", o.output, "results file to write (atomically)");
    add_target_options(cmd, o);
    add_report_options(cmd, o);
}

ExitCode run(const Options &o)
{
    const Results r = run_suite(o);
    if (!o.output.empty())
        write_results(o.output, r);
    const GateOutcome absolute = evaluate(r, nullptr);
    write_reports(o, r, &absolute);
    return absolute.failed() ? ExitCode::regression : ExitCode::pass;
}

} // namespace

extern const Command run_command{"run", "run workloads and write the results (a baseline is a results file)",
                                 add_options, run};

} // namespace perfgate
