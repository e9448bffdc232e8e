// `perfgate demo` (and `make demo`): the built-in scenario suite on a throw-away cluster, and a report of
// what each fix buys on this machine. No gate: it always exits 0 once the suite ran.
#include "command.hpp"

namespace perfgate
{
namespace
{

void add_options(CLI::App *cmd, Options &o)
{
    add_target_options(cmd, o);
    add_report_options(cmd, o);
}

ExitCode run(const Options &o)
{
    const Results r = run_suite(o);
    write_reports(o, r, nullptr);
    return ExitCode::pass;
}

} // namespace

extern const Command demo_command{"demo", "run the built-in scenario suite and print what each fix buys here",
                                  add_options, run};

} // namespace perfgate
