// perfgate: the command line. Parses arguments (CLI11; connection options as pgbench and psql: -h host,
// -p port, -U user, -d database, and the PG* environment), chooses the server (those, else an embedded
// throw-away cluster), dispatches to run / compare / gate / ab / demo / top, and maps every perfgate::Error
// to its exit code in one place: 0 pass, 1 regression, 2 usage, input, connection or SQL error, 3 baseline
// missing or not comparable. Whatever the exit code, the requested reports are written, and no
// password from a connection string reaches the terminal or a report.
#include "baseline.hpp"
#include "cluster.hpp"
#include "errors.hpp"
#include "gate.hpp"
#include "gate_run.hpp"
#include "git_version.hpp"
#include "outputs.hpp"
#include "pg.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "suite.hpp"
#include "capture.hpp"
#include "top.hpp"
#include "top_interval.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <cstring>
#include <map>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace perfgate
{
namespace
{

struct Options
{
    std::string command;
    std::string dsn, host, port, user, dbname;
    bool embedded = false;
    bool no_extension = false;
    std::vector<std::string> workloads;
    std::vector<std::string> scenarios;
    int iterations = 0;
    int warmup = -1;
    int statement_timeout = 120;
    std::string output, baseline, json, markdown, junit, svg;
    bool update_baseline = false;
    bool no_rerun = false;
    bool no_confirm = false;
    std::string reference_dsn;
    bool quiet = false;
    bool no_progress = false;
    double progress_interval = 0;  // -P
    std::string current;           // compare
    std::vector<std::string> set;  // --set name=value
    TopOptions top;                // top
    bool top_json = false;         // top --json: the document on stdout
    std::string top_sort = "time"; // top -i --sort
    CaptureOptions capture;        // capture
};

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
    cmd->add_option("--json", o.json, "write the results (and gate findings) as JSON");
    cmd->add_option("--markdown", o.markdown,
                    "append a Markdown summary to this file (e.g. \"$GITHUB_STEP_SUMMARY\")");
    cmd->add_option("--junit", o.junit, "write JUnit XML, one test case per scenario and gate");
    cmd->add_option("--svg", o.svg, "write an SVG chart of latency against data size per variant");
    cmd->add_flag("-q,--quiet", o.quiet, "print only the verdict line");
}

// The server: --dsn and -h/-p/-U/-d, else the PG* environment, else an embedded cluster that lives as
// long as this.
struct Target
{
    std::unique_ptr<EmbeddedCluster> cluster;
    std::string conninfo;
};

bool is_connection_string(const std::string &s)
{
    return s.find('=') != std::string::npos || s.rfind("postgresql://", 0) == 0 ||
           s.rfind("postgres://", 0) == 0;
}

// The connection string of --dsn with -h/-p/-U/-d applied; as psql, a -d that is itself a connection
// string is used whole. Empty when none of them is given.
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

std::string extension_note(const Target &t)
{
    return t.cluster ? t.cluster->extension_note() : std::string();
}

std::unique_ptr<Progress> make_progress(const Options &o)
{
    using Style = Progress::Style;
    Style style = Style::off;
    if (!o.no_progress && !o.quiet)
        style = o.progress_interval > 0 || !Progress::terminal_attached() ? Style::lines : Style::bar;
    return std::make_unique<Progress>(style, o.progress_interval);
}

Results run_suite(const Options &o, const std::vector<std::string> &default_paths)
{
    // Validate every workload file before starting any server.
    const auto workloads = load_workloads(o.workloads.empty() ? default_paths : o.workloads, o.scenarios);
    Target target = choose_target(o);
    Connection conn(target.conninfo);
    const auto progress = make_progress(o);
    return run_workloads(conn, workloads,
                         RunOptions{.iterations = o.iterations,
                                    .warmup = o.warmup,
                                    .reverse_setup = false,
                                    .statement_timeout_s = o.statement_timeout,
                                    .settings = run_settings(o),
                                    .extension_note = extension_note(target)},
                         *progress);
}

nlohmann::json findings_json(const GateOutcome &g)
{
    nlohmann::json arr = nlohmann::json::array();
    static const char *names[] = {"pass", "fail", "improved", "skipped", "changed"};
    for (const auto &f : g.findings)
    {
        nlohmann::json j = {{"scenario", f.scenario},
                            {"variant", f.variant},
                            {"gate", f.gate},
                            {"n", f.n},
                            {"verdict", names[static_cast<int>(f.verdict)]},
                            {"message", f.message}};
        if (!f.evidence.empty())
            j["evidence"] = f.evidence;
        if (f.gate == "latency")
        {
            j["baseline_ms"] = f.baseline_ms;
            j["current_ms"] = f.current_ms;
            j["ratio"] = f.ratio;
            j["ci"] = {f.lower, f.upper};
            j["p"] = f.p;
        }
        arr.push_back(std::move(j));
    }
    return {{"regression", g.failed()}, {"findings", arr}, {"notes", g.notes}};
}

void write_reports(const Options &o, const Results &r, const GateOutcome *gate,
                   const Results *baseline = nullptr)
{
    // A run that could have used the extension and did not says so, whatever else is asked for.
    if (r.env.extension_state.warn())
        std::fprintf(stderr, "perfgate: warning: %s\n", describe(r.env.extension_state).c_str());
    if (!o.json.empty())
    {
        nlohmann::json j = to_json(r);
        if (gate)
            j["gate"] = findings_json(*gate);
        write_text_atomically(o.json, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    }
    if (!o.markdown.empty())
        append_text(o.markdown, render_markdown(r, gate, baseline));
    if (!o.junit.empty())
        write_text_atomically(o.junit, render_junit(r, gate ? *gate : evaluate(r, nullptr)));
    if (!o.svg.empty())
        write_text_atomically(o.svg, render_svg(r));
    if (o.quiet)
    {
        if (gate)
            std::printf("perfgate: %s (%d failed, %d improved)\n", gate->failed() ? "REGRESSION" : "pass",
                        gate->count(Verdict::fail), gate->count(Verdict::improved));
    }
    else
        std::fputs(render_text(r, gate, baseline).c_str(), stdout);
    std::fflush(stdout);
}

ExitCode finish_gate(const Options &o, const Results &current, const Results &baseline)
{
    require_comparable(baseline, current, o.baseline);
    const GateOutcome gate = evaluate(current, &baseline);
    write_reports(o, current, &gate, &baseline);
    return gate.failed() ? ExitCode::regression : ExitCode::pass;
}

ExitCode gate_command(const Options &o, const std::vector<std::string> &default_paths,
                      const Results &baseline)
{
    const auto workloads = load_workloads(o.workloads.empty() ? default_paths : o.workloads, o.scenarios);
    require_same_data(baseline, workloads, o.baseline); // exit 3 before any server work
    Target target = choose_target(o);
    Connection conn(target.conninfo);
    const auto progress = make_progress(o);
    const GateRunOptions options{.run = {.iterations = o.iterations,
                                         .warmup = o.warmup,
                                         .reverse_setup = false,
                                         .statement_timeout_s = o.statement_timeout,
                                         .settings = run_settings(o),
                                         .extension_note = extension_note(target)},
                                 .rerun = !o.no_rerun,
                                 .confirm = !o.no_confirm};
    const GateRun gate = run_gate(conn, workloads, baseline, o.baseline, options, *progress);
    if (!o.output.empty())
        write_results(o.output, gate.current);
    write_reports(o, gate.current, &gate.outcome, &baseline);
    return gate.outcome.failed() ? ExitCode::regression : ExitCode::pass;
}

// Two targets, one workload set: interleaved rounds, then the gates with the reference target's
// samples as the baseline. Environment differences are the point here, so they are notes, not errors.
ExitCode ab_command(const Options &o, const std::vector<std::string> &default_paths)
{
    if (!server_given(o))
        throw InputError("ab: give the target under test with --dsn or -h/-p/-U/-d (and the reference with "
                         "--reference-dsn)");
    const auto workloads = load_workloads(o.workloads.empty() ? default_paths : o.workloads, o.scenarios);
    Connection reference(o.reference_dsn), target(given_conninfo(o));
    const auto progress_ptr = make_progress(o);
    Progress &progress = *progress_ptr;
    const RunOptions options{.iterations = o.iterations,
                             .warmup = o.warmup,
                             .reverse_setup = false,
                             .statement_timeout_s = o.statement_timeout,
                             .settings = run_settings(o),
                             .extension_note = {}};
    const AbResults both = run_workloads_ab(reference, target, workloads, workloads, options, progress);
    if (!o.output.empty())
        write_results(o.output, both.current);
    GateOutcome gate = evaluate(both.current, &both.baseline, &both.baseline);
    const auto suspects = scenarios_with_latency_failures(gate);
    if (!o.no_confirm && !suspects.empty())
    {
        // As in the gate: a latency failure counts only if a second interleaved run reproduces it.
        std::vector<Workload> again;
        for (const auto &w : workloads)
            if (std::find(suspects.begin(), suspects.end(), w.name) != suspects.end())
                again.push_back(w);
        RunOptions confirm_options = options;
        confirm_options.reverse_setup = true;
        // On new connections: two targets means two server processes, and a process that is slow for
        // reasons of its own (its CPU, its memory placement) stays slow for the whole run.
        Connection reference_again(o.reference_dsn), target_again(given_conninfo(o));
        const AbResults second =
            run_workloads_ab(reference_again, target_again, again, again, confirm_options, progress);
        apply_confirmation(gate, evaluate(second.current, &second.baseline, &second.baseline));
    }
    for (const auto &diff : environment_differences(both.baseline, both.current))
        gate.notes.push_back("the targets differ: " + diff);
    write_reports(o, both.current, &gate, &both.baseline);
    return gate.failed() ? ExitCode::regression : ExitCode::pass;
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

std::string scrub(std::string message, const Options &o)
{
    message = redact_passwords(std::move(message));
    for (const auto &secret : secrets_of(o))
        for (std::size_t at; (at = message.find(secret)) != std::string::npos;)
            message.replace(at, secret.size(), "***");
    return message;
}

// Exit 2 or 3 still leaves the requested reports, so the CI page says what went wrong. A results file
// (-o) that already exists is kept: an error must not destroy an earlier run's results.
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
    const std::string json =
        error_json(error).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    attempt(o.json, [&] { write_text_atomically(o.json, json); });
    if (!o.output.empty() && ::access(o.output.c_str(), F_OK) != 0)
        attempt(o.output, [&] { write_text_atomically(o.output, json); });
    attempt(o.junit, [&] { write_text_atomically(o.junit, render_error_junit(error)); });
    attempt(o.markdown, [&] { append_text(o.markdown, render_error_markdown(error)); });
}

const char *kind_of(const Error &e)
{
    if (dynamic_cast<const BaselineError *>(&e))
        return "baseline";
    if (dynamic_cast<const ConnectionError *>(&e))
        return "connection";
    if (dynamic_cast<const SqlError *>(&e))
        return "sql";
    return "input";
}

// Every path given for output is checked before any work starts.
void check_outputs(const Options &o)
{
    check_writable(o.output, "-o/--output");
    check_writable(o.json, "--json");
    check_writable(o.junit, "--junit");
    check_writable(o.svg, "--svg");
    check_writable(o.markdown, "--markdown", true);
    if (o.command == "gate" && o.update_baseline)
        check_writable(o.baseline, "-b/--baseline");
    if (o.command == "capture")
        check_writable(o.capture.output, "-o/--output");
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

// The server as psql finds it: the options given, else the PG* environment and libpq's defaults. Never
// an embedded cluster: it would have nothing to show.
ExitCode top_command(const Options &o)
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

int dispatch(Options &o)
{
    check_outputs(o);
    if (o.command == "top")
        return static_cast<int>(top_command(o));
    if (o.command == "capture")
    {
        run_capture(given_conninfo(o), o.capture);
        return static_cast<int>(ExitCode::pass);
    }
    const std::vector<std::string> builtin = {builtin_workload_dir()};
    if (o.command == "run")
    {
        const Results r = run_suite(o, builtin);
        if (!o.output.empty())
            write_results(o.output, r);
        const GateOutcome absolute = evaluate(r, nullptr);
        write_reports(o, r, &absolute);
        return static_cast<int>(absolute.failed() ? ExitCode::regression : ExitCode::pass);
    }
    if (o.command == "compare")
    {
        const Results baseline = read_results(o.baseline);
        const Results current = read_results(o.current);
        return static_cast<int>(finish_gate(o, current, baseline));
    }
    if (o.command == "gate")
    {
        if (!o.update_baseline)
        {
            // Read first: a missing or foreign baseline fails (exit 3) before minutes of running.
            const Results baseline = read_results(o.baseline);
            return static_cast<int>(gate_command(o, builtin, baseline));
        }
        const Results current = run_suite(o, builtin);
        if (!o.output.empty())
            write_results(o.output, current);
        write_results(o.baseline, current);
        const GateOutcome absolute = evaluate(current, nullptr);
        write_reports(o, current, &absolute);
        if (!o.quiet)
            std::printf("\nperfgate: baseline written to %s\n", o.baseline.c_str());
        return static_cast<int>(absolute.failed() ? ExitCode::regression : ExitCode::pass);
    }
    if (o.command == "ab")
        return static_cast<int>(ab_command(o, builtin));
    // demo
    const Results r = run_suite(o, builtin);
    write_reports(o, r, nullptr);
    return 0;
}

const char *const commands[] = {"run", "compare", "gate", "ab", "demo", "top", "capture"};

// CLI11 says "A subcommand is required" for a misspelt command; name it instead, as git does.
std::string unknown_command(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i)
    {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "--version" || arg == "-V")
            return "";
        if (arg.empty() || arg[0] == '-')
            continue;
        for (const char *c : commands)
            if (arg == c)
                return "";
        return fmt::format("perfgate: unknown command '{}' (expected one of: {}); see perfgate --help", arg,
                           fmt::join(commands, ", "));
    }
    return fmt::format("perfgate: no command given (expected one of: {}); see perfgate --help",
                       fmt::join(commands, ", "));
}

int run_cli(int argc, char **argv)
{
    Options o;
    CLI::App app{
        "perfgate: replay PostgreSQL workloads, keep a baseline, and fail CI on regressions; show a "
        "server's hot queries, plan changes and anti-patterns (top).\n"
        "Exit codes: 0 pass, 1 regression, 2 usage/input/connection error, 3 baseline missing or not "
        "comparable.",
        "perfgate"};
    // -h is the server host, as in pgbench and psql: help is --help only, in every subcommand.
    app.set_help_flag("--help", "print this help and exit");
    app.require_subcommand(1);
    app.set_version_flag("-V,--version",
                         fmt::format("perfgate {} (git {})", PERFGATE_VERSION, PERFGATE_GIT_COMMIT));

    auto *run =
        app.add_subcommand("run", "run workloads and write the results (a baseline is a results file)");
    run->add_option("workloads", o.workloads, "workload files or directories (default: the built-in suite)");
    run->add_option("-o,--output", o.output, "results file to write (atomically)");
    add_target_options(run, o);
    add_report_options(run, o);

    auto *compare =
        app.add_subcommand("compare", "compare a results file with a baseline and apply the gates");
    compare->add_option("current", o.current, "results file of the new run")->required();
    compare->add_option("-b,--baseline", o.baseline, "baseline results file")->required();
    add_report_options(compare, o);

    auto *gate =
        app.add_subcommand("gate", "run workloads and compare with the baseline: the CI entry point");
    gate->add_option("workloads", o.workloads, "workload files or directories (default: the built-in suite)");
    gate->add_option("-b,--baseline", o.baseline, "baseline results file")->required();
    gate->add_flag("--update-baseline", o.update_baseline,
                   "record this run as the new baseline instead of comparing (after an intended change)");
    gate->add_option("-o,--output", o.output, "also write this run's results file");
    gate->add_flag(
        "--no-rerun", o.no_rerun,
        "judge latency against the stored baseline samples instead of an interleaved re-run of the "
        "baseline's workloads");
    gate->add_flag("--no-confirm", o.no_confirm,
                   "count a latency regression without re-running its scenario to confirm it");
    add_target_options(gate, o);
    add_report_options(gate, o);

    auto *ab = app.add_subcommand("ab", "run the same workloads on two targets, interleaved, and gate the "
                                        "target (--dsn or -h/-p/-U/-d) against the --reference-dsn one");
    ab->add_option("workloads", o.workloads, "workload files or directories (default: the built-in suite)");
    ab->add_option("--reference-dsn", o.reference_dsn,
                   "the reference target (e.g. the server without a change)")
        ->required();
    ab->add_option("-o,--output", o.output, "also write the target's results file");
    ab->add_flag("--no-confirm", o.no_confirm,
                 "count a latency regression without re-running its scenario to confirm it");
    add_target_options(ab, o);
    add_report_options(ab, o);

    auto *demo =
        app.add_subcommand("demo", "run the built-in scenario suite and print what each fix buys here");
    add_target_options(demo, o);
    add_report_options(demo, o);

    auto *top = app.add_subcommand(
        "top", "show a server's hot queries, plan changes and anti-patterns (needs pg_perfgate installed in "
               "the database)");
    add_connection_options(top, o, "libpq connection string or URI; -h/-p/-U/-d override its parts");
    top->add_option("-n,--limit", o.top.limit, "rows per section")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    top->add_flag("--json", o.top_json, "print one JSON document instead of the tables");
    top->add_flag("--nested", o.top.nested,
                  "also statements run inside functions (recorded with pg_perfgate.track = all)");
    top->add_flag("--all-databases", o.top.all_databases,
                  "every database of the server, not only the connected one");
    top->add_option("-i,--interval", o.top.interval,
                    "refresh every SEC seconds, showing what each query group did in the interval "
                    "(keys on a terminal: t c r i m e to sort, q to quit)")
        ->check(CLI::Range(0.1, 86400.0));
    top->add_option("-c,--count", o.top.count, "with -i: stop after N intervals")
        ->check(CLI::Range(1, 1000000));
    top->add_option("--sort", o.top_sort,
                    "with -i: the first sort key: time, calls, rows, io, temp or errors")
        ->capture_default_str();

    auto *capture = app.add_subcommand(
        "capture", "write a workload that replays a server's hot statements with their sampled parameter "
                   "values, on tables and data rebuilt from its catalogs and statistics (needs pg_perfgate, "
                   "and pg_perfgate.capture_params = on while the application ran)");
    add_connection_options(capture, o, "libpq connection string or URI; -h/-p/-U/-d override its parts");
    capture->add_option("-n,--limit", o.capture.limit, "statements to replay")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    capture->add_option("--by", o.capture.by, "rank statements by total_time or calls")
        ->capture_default_str();
    capture->add_option("--scale", o.capture.scale, "rows generated per row the server's statistics count")
        ->capture_default_str();
    capture->add_option("-o,--output", o.capture.output, "the workload file to write")->required();
    capture->add_flag("--redact", o.capture.redact,
                      "write values drawn from pg_stats instead of the sampled ones (keeps selectivity, not "
                      "the data)");
    capture->add_option("--iterations", o.capture.iterations, "measured iterations the workload asks for")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));

    if (const std::string unknown = unknown_command(argc, argv); !unknown.empty())
    {
        std::fprintf(stderr, "%s\n", unknown.c_str());
        return static_cast<int>(ExitCode::usage);
    }
    try
    {
        app.parse(argc, argv);
    }
    catch (const CLI::ParseError &e)
    {
        // --help and --version end here with 0; anything else did not run the gate and must not pass.
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
            return app.exit(e);
        // CLI11 quotes the arguments it did not expect, a connection URI among them: scrub it.
        std::fprintf(stderr, "perfgate: %s\nRun with --help for more information.\n",
                     scrub(e.what(), o).c_str());
        for (const auto *sub : app.get_subcommands())
            o.command = sub->get_name();
        write_error_reports(o, RunError{.command = o.command.empty() ? "perfgate" : o.command,
                                        .exit_code = static_cast<int>(ExitCode::usage),
                                        .kind = "usage",
                                        .message = scrub(e.what(), o)});
        return static_cast<int>(ExitCode::usage);
    }
    o.command = app.get_subcommands().front()->get_name();

    RunError error;
    error.command = o.command;
    try
    {
        return dispatch(o);
    }
    catch (const Error &e)
    {
        error.exit_code = static_cast<int>(e.exit_code());
        error.kind = kind_of(e);
        error.message = scrub(e.what(), o);
    }
    catch (const std::exception &e)
    {
        error.exit_code = static_cast<int>(ExitCode::usage);
        error.kind = "internal";
        error.message = "internal error: " + scrub(e.what(), o);
    }
    std::fprintf(stderr, "perfgate: error: %s\n", error.message.c_str());
    write_error_reports(o, error);
    return error.exit_code;
}

} // namespace
} // namespace perfgate

int main(int argc, char **argv)
{
    try
    {
        return perfgate::run_cli(argc, argv);
    }
    catch (const std::exception &e)
    {
        // Only reached when even reporting failed; no message here can hold a password unscrubbed
        // because every error the commands raise was caught and scrubbed in run_cli.
        std::fprintf(stderr, "perfgate: internal error while reporting an error\n");
        return static_cast<int>(perfgate::ExitCode::usage);
    }
}
