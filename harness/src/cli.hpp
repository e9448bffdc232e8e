// The command line's shared half: the options every command parses into (one Options for the whole
// run), the option groups commands add to themselves (connection, target, reports), the server a
// command runs against (the options, else the PG* environment, else an embedded throw-away cluster),
// and the scrubbing of passwords from anything printed. The commands themselves are cmd_*.cpp; the
// table that lists them is commands.cpp.
#pragma once

#include "cluster.hpp"
#include "gate.hpp"
#include "progress.hpp"
#include "export.hpp"
#include "runner.hpp"
#include "top.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace perfgate
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
    std::string output, baseline;
    std::map<std::string, std::string> reports; // report format name (export.hpp) -> path
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
};

// -h/-p/-U/-d and --dsn, as pgbench and psql take them.
void add_connection_options(CLI::App *cmd, Options &o, const char *dsn_help);
// The server to run workloads against, which scenarios, how many iterations, progress, --set.
void add_target_options(CLI::App *cmd, Options &o);
// One option per report format of the registry (--json, --markdown, --junit, --svg), and -q.
void add_report_options(CLI::App *cmd, Options &o);
// The positional workload files or directories of run, gate and ab.
void add_workload_argument(CLI::App *cmd, Options &o);

// The connection string of --dsn with -h/-p/-U/-d applied; as psql, a -d that is itself a connection
// string is used whole. Empty when none of them is given.
std::string given_conninfo(const Options &o);
bool server_given(const Options &o);

// The server: --dsn and -h/-p/-U/-d, else the PG* environment, else an embedded cluster that lives as
// long as this.
struct Target
{
    std::unique_ptr<EmbeddedCluster> cluster;
    std::string conninfo;
};
Target choose_target(const Options &o);

std::unique_ptr<Progress> make_progress(const Options &o);
// The workloads of the command line, else the built-in suite; validated before any server starts.
std::vector<Workload> command_workloads(const Options &o);
// The run's options as the command line gave them (--iterations, --warmup, --set, ...).
RunOptions run_options(const Options &o, const Target *target);
// Runs the workloads on the chosen server (run, demo, gate --update-baseline).
Results run_suite(const Options &o);

// The reports a command asked for (one per format of the report registry, export.hpp) and the
// terminal's; `gate` and `baseline` are optional.
void write_reports(const Options &o, const Results &r, const GateOutcome *gate,
                   const Results *baseline = nullptr);
// Exit 2 or 3 still leaves the requested reports, so the CI page says what went wrong. A results file
// (-o) that already exists is kept: an error must not destroy an earlier run's results.
void write_error_reports(const Options &o, const RunError &error);
// Every path given for output is checked before any work starts.
void check_outputs(const Options &o);

// Passwords removed from a message: libpq's forms and the ones this run was given.
std::string scrub(std::string message, const Options &o);

} // namespace perfgate
