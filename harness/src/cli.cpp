// The command line's shared half. See cli.hpp.
#include "cli.hpp"

#include "baseline.hpp"
#include "errors.hpp"
#include "files.hpp"
#include "pg.hpp"
#include "suite.hpp"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <unistd.h>

namespace perfgate
{
namespace
{

// `--set name=value` pairs as a map; a malformed one is a usage error (exit 2).
std::map<std::string, std::string> run_settings(const Options &o)
{
    std::map<std::string, std::string> out;
    for (const auto &s : o.set)
    {
        const auto eq = s.find('=');
        if (eq == 0 || eq == std::string::npos)
            throw InputError(fmt::format("--set {}: expected name=value (e.g. --set work_mem=64MB)", s));
        out[s.substr(0, eq)] = s.substr(eq + 1);
    }
    return out;
}

bool is_connection_string(const std::string &s)
{
    return s.find('=') != std::string::npos || s.rfind("postgresql://", 0) == 0 ||
           s.rfind("postgres://", 0) == 0;
}

// Passwords in the connection strings this run was given, as typed and as libpq decodes them: scrubbed
// from every message, whatever produced it.
std::vector<std::string> secrets_of(const Options &o)
{
    std::vector<std::string> out;
    for (const std::string *cs : {&o.dsn, &o.reference_dsn, &o.dbname})
        for (auto &secret : conninfo_passwords(*cs))
            if (secret.size() >= 3)
                out.push_back(std::move(secret));
    return out;
}

std::string report_path(const Options &o, const ReportFormat &f)
{
    const auto it = o.reports.find(f.name);
    return it == o.reports.end() ? std::string() : it->second;
}

} // namespace

void add_connection_options(CLI::App *cmd, Options &o, const char *dsn_help)
{
    cmd->add_option("-h,--host", o.host, "database server host or socket directory (as pgbench; PGHOST)");
    cmd->add_option("-p,--port", o.port, "database server port (PGPORT)");
    cmd->add_option("-U,--username", o.user, "database user name (PGUSER)");
    cmd->add_option("-d,--dbname", o.dbname, "database name or connection string (PGDATABASE)");
    cmd->add_option("--dsn", o.dsn, dsn_help);
}

void add_target_options(CLI::App *cmd, Options &o)
{
    add_connection_options(cmd, o,
                           "libpq connection string or URI of the server to test (use a scratch database: "
                           "workloads create and drop tables); -h/-p/-U/-d override its parts");
    cmd->add_flag("--embedded", o.embedded, "start a throw-away cluster even when PG* variables are set");
    cmd->add_flag("--no-extension", o.no_extension,
                  "embedded cluster: do not preload pg_perfgate even if installed");
    cmd->add_option("--scenario", o.scenarios, "run only the named scenario (repeatable)");
    cmd->add_option("--iterations", o.iterations,
                    "measured iterations per variant and size (overrides the files)")
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--warmup", o.warmup, "warm-up iterations (overrides the files)")
        ->check(CLI::Range(0, 1000));
    cmd->add_option("--statement-timeout", o.statement_timeout,
                    "cancel any statement that runs longer, in seconds (0: the server's setting)")
        ->capture_default_str()
        ->check(CLI::Range(0, 86400));
    cmd->add_option("-P,--progress", o.progress_interval,
                    "a progress line on stderr every SEC seconds, also when not a terminal (as pgbench -P)")
        ->type_name("SEC")
        ->check(CLI::Range(0.1, 86400.0));
    cmd->add_flag("--no-progress", o.no_progress, "no progress output at all");
    cmd->add_option("--set", o.set,
                    "session setting for the whole run, name=value (repeatable); recorded in the results "
                    "and part of the environment a baseline is compared in");
}

void add_report_options(CLI::App *cmd, Options &o)
{
    for (const ReportFormat *f : report_formats())
        cmd->add_option(fmt::format("--{}", f->name), o.reports[f->name], f->help);
    cmd->add_flag("-q,--quiet", o.quiet, "print only the verdict line");
}

void add_workload_argument(CLI::App *cmd, Options &o)
{
    cmd->add_option("workloads", o.workloads, "workload files or directories (default: the built-in suite)");
}

std::string given_conninfo(const Options &o)
{
    std::string base = o.dsn;
    std::vector<std::pair<std::string, std::string>> set;
    if (!o.dbname.empty() && is_connection_string(o.dbname))
    {
        if (!o.dsn.empty())
            throw InputError("give the server either with --dsn or with a connection string in -d, not both");
        base = o.dbname;
    }
    else if (!o.dbname.empty())
        set.emplace_back("dbname", o.dbname);
    if (!o.host.empty())
        set.emplace_back("host", o.host);
    if (!o.port.empty())
        set.emplace_back("port", o.port);
    if (!o.user.empty())
        set.emplace_back("user", o.user);
    return conninfo_with(base, set);
}

bool server_given(const Options &o)
{
    return !o.dsn.empty() || !o.host.empty() || !o.port.empty() || !o.user.empty() || !o.dbname.empty();
}

Target choose_target(const Options &o)
{
    Target t;
    if (server_given(o))
    {
        t.conninfo = given_conninfo(o);
        return t;
    }
    bool env = false;
    for (const char *var : {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"})
        env = env || (std::getenv(var) && *std::getenv(var));
    if (env && !o.embedded)
        return t; // empty conninfo: libpq reads the environment
    if (!o.quiet)
        std::fprintf(stderr, "perfgate: no server given (-h/-p/-d, --dsn or PG* variables): starting a "
                             "throw-away cluster\n");
    t.cluster = std::make_unique<EmbeddedCluster>(
        ClusterOptions{.preload_extension = !o.no_extension, .quiet = o.quiet});
    t.conninfo = t.cluster->conninfo();
    return t;
}

std::unique_ptr<Progress> make_progress(const Options &o)
{
    using Style = Progress::Style;
    Style style = Style::off;
    if (!o.no_progress && !o.quiet)
        style = o.progress_interval > 0 || !Progress::terminal_attached() ? Style::lines : Style::bar;
    return std::make_unique<Progress>(style, o.progress_interval);
}

std::vector<Workload> command_workloads(const Options &o)
{
    return load_workloads(
        o.workloads.empty() ? std::vector<std::string>{builtin_workload_dir()} : o.workloads, o.scenarios);
}

RunOptions run_options(const Options &o, const Target *target)
{
    return RunOptions{.iterations = o.iterations,
                      .warmup = o.warmup,
                      .reverse_setup = false,
                      .statement_timeout_s = o.statement_timeout,
                      .settings = run_settings(o),
                      .extension_note =
                          target && target->cluster ? target->cluster->extension_note() : std::string()};
}

Results run_suite(const Options &o)
{
    // Validate every workload file before starting any server.
    const auto workloads = command_workloads(o);
    Target target = choose_target(o);
    Connection conn(target.conninfo);
    const auto progress = make_progress(o);
    return run_workloads(conn, workloads, run_options(o, &target), *progress);
}

void write_reports(const Options &o, const Results &r, const GateOutcome *gate, const Results *baseline)
{
    // A run that could have used the extension and did not says so, whatever else is asked for.
    if (r.env.extension_state.warn())
        std::fprintf(stderr, "perfgate: warning: %s\n", describe(r.env.extension_state).c_str());
    for (const ReportFormat *f : report_formats())
        if (const std::string path = report_path(o, *f); !path.empty())
        {
            const std::string text = f->exporter.render(r, gate, baseline);
            f->append ? append_text(path, text) : write_text_atomically(path, text);
        }
    if (o.quiet)
    {
        if (gate)
            std::printf("perfgate: %s (%d failed, %d improved)\n", gate->failed() ? "REGRESSION" : "pass",
                        gate->count(Verdict::fail), gate->count(Verdict::improved));
    }
    else
        std::fputs(text_exporter().render(r, gate, baseline).c_str(), stdout);
    std::fflush(stdout);
}

void write_error_reports(const Options &o, const RunError &error)
{
    const auto attempt = [&](const std::string &path, const auto &write)
    {
        if (path.empty())
            return;
        try
        {
            write();
        }
        catch (const std::exception &e)
        {
            std::fprintf(stderr, "perfgate: error: %s\n", scrub(e.what(), o).c_str());
        }
    };
    for (const ReportFormat *f : report_formats())
    {
        const std::string path = report_path(o, *f);
        if (path.empty())
            continue;
        if (const auto text = f->exporter.render_error(error))
            attempt(path, [&] { f->append ? append_text(path, *text) : write_text_atomically(path, *text); });
    }
    if (!o.output.empty() && ::access(o.output.c_str(), F_OK) != 0)
        attempt(o.output, [&] { write_text_atomically(o.output, *json_exporter().render_error(error)); });
}

void check_outputs(const Options &o)
{
    check_writable(o.output, "-o/--output");
    // The files written atomically first, then the appended ones.
    for (const bool append : {false, true})
        for (const ReportFormat *f : report_formats())
            if (f->append == append)
                check_writable(report_path(o, *f), fmt::format("--{}", f->name).c_str(), append);
    if (o.command == "gate" && o.update_baseline)
        check_writable(o.baseline, "-b/--baseline");
}

std::string scrub(std::string message, const Options &o)
{
    message = redact_passwords(std::move(message));
    for (const auto &secret : secrets_of(o))
        for (std::size_t at; (at = message.find(secret)) != std::string::npos;)
            message.replace(at, secret.size(), "***");
    return message;
}

} // namespace perfgate
