// Executes workload steps on a connection: binds parameters from variables, data sets and saved
// results, expands {values}, runs loops, transactions, COPY, cursors, single-row reads, and bodies on
// connections of their own (`connect:`: opened, used and closed within the step). Knows
// nothing about timing; the runner wraps it. A failing statement is reported as an SqlError whose
// message names the innermost step (file:line and the start of its SQL).
#pragma once

#include "datagen.hpp"
#include "pg.hpp"
#include "workload.hpp"

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace perfgate
{

// How a `connect:` step opens its connection: like the variant's own (same server, user, database and
// password, same startup options), with this application_name and these settings given at startup, so
// that the new session is in the state the variant's session starts in (its schema alone on the
// search_path, the scenario's settings) without a statement of its own.
struct ConnectAs
{
    std::string application_name;
    std::map<std::string, std::string> settings;
};

struct Context
{
    Context(Connection &c, const std::map<std::string, RowSet> &d, Vars v)
        : conn(&c), data(d), vars(std::move(v))
    {
    }
    // The connection the steps run on: the variant's, or inside a `connect:` step the one it opened.
    // Wire counters of an inner connection are added to the outer one's when it closes (plus one round
    // trip for connecting), and it records the statements it sends where the outer one does.
    Connection *conn;
    const std::map<std::string, RowSet> &data;
    std::map<std::string, RowSet> saved;
    Vars vars;
    bool in_transaction = false;
    // When set, each distinct statement is EXPLAINed once, right before it first runs: with its
    // parameters, inside its transaction and under the session's settings at that moment (SET LOCAL
    // included), so the shape is the plan the statement gets. Shape hash -> shape.
    std::map<std::string, std::string> *plans = nullptr;
    std::set<std::string> explained;
    // When set, the query id of each distinct explainable statement (EXPLAIN VERBOSE), so that the
    // extension's figures can be limited to what this variant sent.
    std::set<std::string> *queryids = nullptr;
    // When set (with queryids), the query ids of the statements this run sent more than once with the
    // same parameter values: a read repeated within the workload itself, not only across its
    // iterations (pg_perfgate's cache_candidate is a variant's habit only then).
    std::set<std::string> *repeated_queryids = nullptr;
    // When set (with queryids), the query ids of the statements this run read in single-row mode: the
    // client holds one row at a time, which the server cannot see (it sends the whole result either
    // way), so pg_perfgate's unstreamed_fetch on them is not this variant's habit.
    std::set<std::string> *streamed_queryids = nullptr;
    std::map<std::string, std::string> queryid_of; // statement text -> its query id
    std::set<std::string> values_sent;             // statement text and parameter values, this run
    // Time spent in those EXPLAINs, which the runner takes out of the sample; their wire counters are
    // never added in the first place.
    std::chrono::steady_clock::duration explain_time{};
    // Unset: `connect:` steps are refused (setup and teardown run on perfgate's connection only).
    const ConnectAs *connect_as = nullptr;
    // The backend process ids of the connections `connect:` steps opened, in order.
    std::vector<int> backend_pids;

    const RowSet &set(const std::string &name, const Step &step) const;
    void record(const std::string &sql, const std::vector<Param> &params);
};

void run_steps(const std::vector<Step> &steps, Context &ctx);

// Whether the steps (at any depth) open connections of their own.
bool opens_connections(const std::vector<Step> &steps);

// `inherited` (a connection's startup options) followed by `-c name=value` for each setting, with
// spaces and backslashes escaped as libpq's `options` keyword wants.
std::string startup_options(const std::string &inherited, const std::map<std::string, std::string> &settings);

// Setup, teardown and before_each: unmeasured; errors are prefixed with `where`.
void run_housekeeping(const std::vector<Step> &steps, Connection &conn,
                      const std::map<std::string, RowSet> &data, const Vars &vars, const std::string &where);

} // namespace perfgate
