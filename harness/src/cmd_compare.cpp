// `perfgate compare`: two results files, no server; the gates decide as in `gate`.
#include "baseline.hpp"
#include "command.hpp"

namespace perfgate
{
namespace
{

void add_options(CLI::App *cmd, Options &o)
{
    cmd->add_option("current", o.current, "results file of the new run")->required();
    cmd->add_option("-b,--baseline", o.baseline, "baseline results file")->required();
    add_report_options(cmd, o);
}

ExitCode run(const Options &o)
{
    const Results baseline = read_results(o.baseline);
    const Results current = read_results(o.current);
    require_comparable(baseline, current, o.baseline);
    const GateOutcome gate = evaluate(current, &baseline);
    write_reports(o, current, &gate, &baseline);
    return gate.failed() ? ExitCode::regression : ExitCode::pass;
}

} // namespace

extern const Command compare_command{"compare", "compare a results file with a baseline and apply the gates",
                                     add_options, run};

} // namespace perfgate
