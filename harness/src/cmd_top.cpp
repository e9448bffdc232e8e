// `perfgate top`: a server's hot queries, plan changes and anti-patterns (top.hpp), or with -i what ran
// in each interval (top_interval.hpp). The server as psql finds it: the options given, else the PG*
// environment and libpq's defaults. Never an embedded cluster: it would have nothing to show.
#include "command.hpp"
#include "top_interval.hpp"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace perfgate
{
namespace
{

void add_options(CLI::App *cmd, Options &o)
{
    add_connection_options(cmd, o, "libpq connection string or URI; -h/-p/-U/-d override its parts");
    cmd->add_option("-n,--limit", o.top.limit, "rows per section")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    cmd->add_flag("--json", o.top_json, "print one JSON document instead of the tables");
    cmd->add_flag("--nested", o.top.nested,
                  "also statements run inside functions (recorded with pg_perfgate.track = all)");
    cmd->add_flag("--all-databases", o.top.all_databases,
                  "every database of the server, not only the connected one");
    cmd->add_option("-i,--interval", o.top.interval,
                    "refresh every SEC seconds, showing what each query group did in the interval "
                    "(keys on a terminal: t c r i m e to sort, q to quit)")
        ->check(CLI::Range(0.1, 86400.0));
    cmd->add_option("-c,--count", o.top.count, "with -i: stop after N intervals")
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--sort", o.top_sort,
                    "with -i: the first sort key: time, calls, rows, io, temp or errors")
        ->capture_default_str();
}

// Columns of the terminal stdout is, else $COLUMNS, else 0: a log or a pipe gets whole texts.
std::size_t output_width()
{
    winsize ws{};
    if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    if (const char *columns = std::getenv("COLUMNS"); columns && std::atoi(columns) > 0)
        return static_cast<std::size_t>(std::atoi(columns));
    return 0;
}

ExitCode run(const Options &o)
{
    if (o.top.interval > 0)
    {
        TopOptions options = o.top;
        if (o.top_json)
            throw InputError("top: --json prints one snapshot; it cannot be combined with -i/--interval");
        if (!parse_top_sort(o.top_sort, options.sort))
            throw InputError(
                fmt::format("top --sort {}: expected time, calls, rows, io, temp or errors", o.top_sort));
        options.width = output_width();
        const auto conn = connect_for_top(given_conninfo(o));
        return static_cast<ExitCode>(run_top_interval(*conn, top_schema(*conn), options));
    }
    if (o.top.count > 0 || o.top_sort != "time")
        throw InputError("top: -c/--count and --sort go with -i/--interval");
    const auto conn = connect_for_top(given_conninfo(o));
    const nlohmann::json top = read_top(*conn, o.top);
    if (o.top_json)
        std::fputs((top.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n").c_str(),
                   stdout);
    else
        std::fputs(render_top_text(top, o.top, output_width()).c_str(), stdout);
    std::fflush(stdout);
    return ExitCode::pass;
}

} // namespace

extern const Command top_command{"top",
                                 "show a server's hot queries, plan changes and anti-patterns (needs "
                                 "pg_perfgate installed in the database)",
                                 add_options, run};

} // namespace perfgate
