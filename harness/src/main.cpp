// perfgate: the command line. Parses arguments (CLI11), chooses the server (--dsn, else the PG*
// environment, else an embedded throw-away cluster), dispatches to run / compare / gate / ab / demo, and
// maps every perfgate::Error to its exit code in one place: 0 pass, 1 regression, 2 usage, input,
// connection or SQL error, 3 baseline missing or not comparable.
#include "baseline.hpp"
#include "cluster.hpp"
#include "errors.hpp"
#include "gate.hpp"
#include "gate_run.hpp"
#include "pg.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "suite.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace perfgate
{
namespace
{

struct Options
{
    std::string dsn;
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
    std::string current; // compare
};

void add_target_options(CLI::App *cmd, Options &o)
{
    cmd->add_option("--dsn", o.dsn,
                    "libpq connection string or URI of the server to test (use a scratch database: "
                    "workloads create and drop tables)");
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
    cmd->add_flag("--no-progress", o.no_progress, "no progress line even on a terminal");
}

void add_report_options(CLI::App *cmd, Options &o)
{
    cmd->add_option("--json", o.json, "write the results (and gate findings) as JSON");
    cmd->add_option("--markdown", o.markdown, "write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)");
    cmd->add_option("--junit", o.junit, "write JUnit XML, one test case per scenario and gate");
    cmd->add_option("--svg", o.svg, "write an SVG chart of latency against data size per variant");
    cmd->add_flag("-q,--quiet", o.quiet, "print only the verdict line");
}

// The server: --dsn, else the PG* environment, else an embedded cluster that lives as long as this.
struct Target
{
    std::unique_ptr<EmbeddedCluster> cluster;
    std::string conninfo;
};

Target choose_target(const Options &o)
{
    Target t;
    if (!o.dsn.empty())
    {
        t.conninfo = o.dsn;
        return t;
    }
    bool env = false;
    for (const char *var : {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"})
        env = env || (std::getenv(var) && *std::getenv(var));
    if (env && !o.embedded)
        return t; // empty conninfo: libpq reads the environment
    if (!o.quiet)
        std::fprintf(stderr,
                     "perfgate: no server given (--dsn or PG* variables): starting a throw-away cluster\n");
    t.cluster = std::make_unique<EmbeddedCluster>(
        ClusterOptions{.preload_extension = !o.no_extension, .quiet = o.quiet});
    t.conninfo = t.cluster->conninfo();
    return t;
}

Results run_suite(const Options &o, const std::vector<std::string> &default_paths)
{
    // Validate every workload file before starting any server.
    const auto workloads = load_workloads(o.workloads.empty() ? default_paths : o.workloads, o.scenarios);
    Target target = choose_target(o);
    Connection conn(target.conninfo);
    Progress progress(!o.no_progress && !o.quiet && Progress::terminal_attached());
    return run_workloads(conn, workloads,
                         RunOptions{.iterations = o.iterations,
                                    .warmup = o.warmup,
                                    .reverse_setup = false,
                                    .statement_timeout_s = o.statement_timeout},
                         progress);
}

nlohmann::json findings_json(const GateOutcome &g)
{
    nlohmann::json arr = nlohmann::json::array();
    static const char *names[] = {"pass", "fail", "improved", "skipped"};
    for (const auto &f : g.findings)
    {
        nlohmann::json j = {{"scenario", f.scenario},
                            {"variant", f.variant},
                            {"gate", f.gate},
                            {"n", f.n},
                            {"verdict", names[static_cast<int>(f.verdict)]},
                            {"message", f.message}};
        if (f.gate == "latency")
        {
            j["ratio"] = f.ratio;
            j["ci"] = {f.lower, f.upper};
            j["p"] = f.p;
        }
        arr.push_back(std::move(j));
    }
    return {{"regression", g.failed()}, {"findings", arr}, {"notes", g.notes}};
}

void write_reports(const Options &o, const Results &r, const GateOutcome *gate)
{
    if (!o.json.empty())
    {
        nlohmann::json j = to_json(r);
        if (gate)
            j["gate"] = findings_json(*gate);
        write_text_atomically(o.json, j.dump(2) + "\n");
    }
    if (!o.markdown.empty())
        write_text_atomically(o.markdown, render_markdown(r, gate));
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
        std::fputs(render_text(r, gate).c_str(), stdout);
    std::fflush(stdout);
}

ExitCode finish_gate(const Options &o, const Results &current, const Results &baseline)
{
    require_comparable(baseline, current, o.baseline);
    const GateOutcome gate = evaluate(current, &baseline);
    write_reports(o, current, &gate);
    return gate.failed() ? ExitCode::regression : ExitCode::pass;
}

ExitCode gate_command(const Options &o, const std::vector<std::string> &default_paths,
                      const Results &baseline)
{
    const auto workloads = load_workloads(o.workloads.empty() ? default_paths : o.workloads, o.scenarios);
    require_same_data(baseline, workloads, o.baseline); // exit 3 before any server work
    Target target = choose_target(o);
    Connection conn(target.conninfo);
    Progress progress(!o.no_progress && !o.quiet && Progress::terminal_attached());
    const GateRunOptions options{.run = {.iterations = o.iterations,
                                         .warmup = o.warmup,
                                         .reverse_setup = false,
                                         .statement_timeout_s = o.statement_timeout},
                                 .rerun = !o.no_rerun,
                                 .confirm = !o.no_confirm};
    const GateRun gate = run_gate(conn, workloads, baseline, o.baseline, options, progress);
    if (!o.output.empty())
        write_results(o.output, gate.current);
    write_reports(o, gate.current, &gate.outcome);
    return gate.outcome.failed() ? ExitCode::regression : ExitCode::pass;
}

// Two targets, one workload set: interleaved rounds, then the gates with the reference target's
// samples as the baseline. Environment differences are the point here, so they are notes, not errors.
ExitCode ab_command(const Options &o, const std::vector<std::string> &default_paths)
{
    if (o.dsn.empty())
        throw InputError(
            "ab: give the target under test with --dsn (and the reference with --reference-dsn)");
    const auto workloads = load_workloads(o.workloads.empty() ? default_paths : o.workloads, o.scenarios);
    Connection reference(o.reference_dsn), target(o.dsn);
    Progress progress(!o.no_progress && !o.quiet && Progress::terminal_attached());
    const RunOptions options{.iterations = o.iterations,
                             .warmup = o.warmup,
                             .reverse_setup = false,
                             .statement_timeout_s = o.statement_timeout};
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
        const AbResults second = run_workloads_ab(reference, target, again, again, confirm_options, progress);
        apply_confirmation(gate, evaluate(second.current, &second.baseline, &second.baseline));
    }
    for (const auto &diff : environment_differences(both.baseline, both.current))
        gate.notes.push_back("the targets differ: " + diff);
    write_reports(o, both.current, &gate);
    return gate.failed() ? ExitCode::regression : ExitCode::pass;
}

int run_cli(int argc, char **argv)
{
    Options o;
    CLI::App app{
        "perfgate: replay PostgreSQL workloads, keep a baseline, and fail CI on regressions.\n"
        "Exit codes: 0 pass, 1 regression, 2 usage/input/connection error, 3 baseline missing or not "
        "comparable.",
        "perfgate"};
    app.require_subcommand(1);
    app.set_version_flag("--version", PERFGATE_VERSION);

    auto *run =
        app.add_subcommand("run", "run workloads and write the results (a baseline is a results file)");
    run->add_option("workloads", o.workloads, "workload files or directories (default: the built-in suite)");
    run->add_option("-o,--output", o.output, "results file to write (atomically)");
    add_target_options(run, o);
    add_report_options(run, o);

    auto *compare =
        app.add_subcommand("compare", "compare a results file with a baseline and apply the gates");
    compare->add_option("current", o.current, "results file of the new run")
        ->required()
        ->check(CLI::ExistingFile);
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

    auto *ab =
        app.add_subcommand("ab", "run the same workloads on two targets, interleaved, and gate the --dsn "
                                 "target against the --reference-dsn one");
    ab->add_option("workloads", o.workloads, "workload files or directories (default: the built-in suite)");
    ab->add_option("--reference-dsn", o.reference_dsn,
                   "the reference target (e.g. the server without a change)")
        ->required();
    ab->add_flag("--no-confirm", o.no_confirm,
                 "count a latency regression without re-running its scenario to confirm it");
    add_target_options(ab, o);
    add_report_options(ab, o);

    auto *demo =
        app.add_subcommand("demo", "run the built-in scenario suite and print what each fix buys here");
    add_target_options(demo, o);
    add_report_options(demo, o);

    try
    {
        app.parse(argc, argv);
    }
    catch (const CLI::ParseError &e)
    {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : static_cast<int>(ExitCode::usage);
    }

    const std::vector<std::string> builtin = {builtin_workload_dir()};
    if (*run)
    {
        const Results r = run_suite(o, builtin);
        if (!o.output.empty())
            write_results(o.output, r);
        const GateOutcome absolute = evaluate(r, nullptr);
        write_reports(o, r, &absolute);
        return static_cast<int>(absolute.failed() ? ExitCode::regression : ExitCode::pass);
    }
    if (*compare)
    {
        const Results baseline = read_results(o.baseline);
        const Results current = read_results(o.current);
        return static_cast<int>(finish_gate(o, current, baseline));
    }
    if (*gate)
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
    if (*ab)
        return static_cast<int>(ab_command(o, builtin));
    // demo
    const Results r = run_suite(o, builtin);
    write_reports(o, r, nullptr);
    return 0;
}

} // namespace
} // namespace perfgate

int main(int argc, char **argv)
{
    try
    {
        return perfgate::run_cli(argc, argv);
    }
    catch (const perfgate::Error &e)
    {
        std::fprintf(stderr, "perfgate: error: %s\n", e.what());
        return static_cast<int>(e.exit_code());
    }
    catch (const std::exception &e)
    {
        std::fprintf(stderr, "perfgate: internal error: %s\n", e.what());
        return static_cast<int>(perfgate::ExitCode::usage);
    }
}
