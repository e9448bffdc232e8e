// `perfgate capture`: a server's hot statements, with their sampled parameter values, written as one
// workload file (capture.hpp). The server as psql finds it: the options given, else the PG*
// environment and libpq's defaults; never an embedded cluster, which would have nothing to capture.
#include "capture.hpp"
#include "command.hpp"

namespace perfgate
{
namespace
{

void add_options(CLI::App *cmd, Options &o)
{
    add_connection_options(cmd, o, "libpq connection string or URI; -h/-p/-U/-d override its parts");
    cmd->add_option("-n,--limit", o.capture.limit, "statements to replay")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--by", o.capture.by, "rank statements by total_time or calls")->capture_default_str();
    cmd->add_option("--scale", o.capture.scale, "rows generated per row the server's statistics count")
        ->capture_default_str();
    cmd->add_option("-o,--output", o.output, "the workload file to write")->required();
    cmd->add_flag("--redact", o.capture.redact,
                  "write values drawn from pg_stats instead of the sampled ones (keeps selectivity, not the "
                  "data)");
    cmd->add_option("--iterations", o.capture.iterations, "measured iterations the workload asks for")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
}

ExitCode run(const Options &o)
{
    CaptureOptions options = o.capture;
    options.output = o.output;
    run_capture(given_conninfo(o), options);
    return ExitCode::pass;
}

} // namespace

extern const Command capture_command{
    "capture",
    "write a workload that replays a server's hot statements with their sampled parameter values, on tables "
    "and data rebuilt from its catalogs and statistics (needs pg_perfgate, and pg_perfgate.capture_params = "
    "on while the application ran)",
    add_options, run};

} // namespace perfgate
