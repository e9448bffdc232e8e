// Replays workloads against a server and measures them. Per size: generate the data sets, run
// setup_per_size, then warm-up and measured rounds; a round runs every variant once, in a rotating
// order, so that drift on the machine hits all variants alike. Only a variant's own steps are inside
// the timer and the wire counters; setup, before_each, the extension reset/snapshot and EXPLAIN run
// outside both. Plan shapes are taken in the first round of each size, by an EXPLAIN right before
// each statement first runs (in its transaction, under its settings).
//
// Trust invariants:
// - Every object a workload creates lives in a schema perfgate creates, marks (COMMENT) and drops per
//   scenario: perfgate_<arm>_<backend pid>. The search_path is that schema alone, so an unqualified
//   `DROP TABLE orders` can never reach the user's public.orders. A schema of that name perfgate did
//   not mark is never touched (the run stops with exit 2).
// - After setup and setup_per_size, the tables in that schema are ANALYZEd (what is loaded has
//   statistics, so plans do not depend on when they are taken) and excluded from autovacuum.
// - Session state never leaks: every scenario starts with DISCARD ALL, and each arm of an A/B run
//   carries its own settings (the run's --set, the workload's `settings:`, and whatever its setup SET),
//   restored whenever the shared connection switches arms.
//
// An A/B run interleaves two "arms" -- the baseline's version of each workload and the current
// version, each in its own schema on the same connection -- round by round, so their latencies can be
// compared without the drift between two separate runs (see docs/ci.md).
#pragma once

#include "pg.hpp"
#include "progress.hpp"
#include "results.hpp"
#include "workload.hpp"

#include <map>
#include <string>
#include <vector>

namespace perfgate
{

struct RunOptions
{
    int iterations = 0; // > 0 overrides every workload's iterations
    int warmup = -1;    // >= 0 overrides every workload's warm-up
    // A/B: run the arms' setup in the opposite order (current first). A confirmation run uses it so
    // that an effect of which arm was set up last cannot reproduce as a "regression".
    bool reverse_setup = false;
    // Any single statement running longer is cancelled (an accidental cross join must not hang CI);
    // 0 leaves the server's setting alone.
    int statement_timeout_s = 120;
    // `--set name=value`: session settings for the whole run, part of the environment fingerprint.
    std::map<std::string, std::string> settings;
    // An embedded cluster that wanted pg_perfgate and could not have it says why here; the run then
    // reports the extension as unusable with this reason instead of absent.
    std::string extension_note;
};

// Applies the run's session settings (statement timeout, --set) to a fresh session and returns the
// environment fingerprint under them. Cheap: what a gate checks against the baseline before running.
Environment prepare_session(Connection &conn, const RunOptions &options);

Results run_workloads(Connection &conn, const std::vector<Workload> &workloads, const RunOptions &options,
                      Progress &progress);

struct AbResults
{
    Results baseline; // the baseline's workloads, re-run now
    Results current;
};

// `baseline_workloads[i]` and `current_workloads[i]` are two versions of one scenario with the same
// sizes. Both run on `conn`, each arm in its own schema (perfgate_baseline_<pid>, perfgate_current_<pid>),
// so workloads must not qualify their tables with a schema name.
AbResults run_workloads_ab(Connection &conn, const std::vector<Workload> &baseline_workloads,
                           const std::vector<Workload> &current_workloads, const RunOptions &options,
                           Progress &progress);

// The application_name of the connections a variant's `connect:` steps open: perfgate/<scenario>/<variant>
// (perfgate-baseline/... and perfgate-current/... for the arms of an A/B run), unique per scenario and
// variant. pg_perfgate names an application in a connection_per_request finding's detail in full only
// up to 40 bytes: a longer name is cut and ends in a hash of the whole (~1a2b3c4d).
inline constexpr std::size_t max_application_name = 40;
std::string connect_application_name(const std::string &role, const std::string &scenario,
                                     const std::string &variant);
// How a connection_per_request finding's detail starts for that application.
std::string application_detail(const std::string &application_name);

// Two targets (two servers, or two databases): each arm on its own connection, in perfgate's schema of
// its database; the rounds are interleaved the same way.
AbResults run_workloads_ab(Connection &baseline_conn, Connection &current_conn,
                           const std::vector<Workload> &baseline_workloads,
                           const std::vector<Workload> &current_workloads, const RunOptions &options,
                           Progress &progress);

} // namespace perfgate
