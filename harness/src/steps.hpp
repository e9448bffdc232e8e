// Executes workload steps on a connection: binds parameters from variables, data sets and saved
// results, expands {values}, runs loops, transactions, COPY, cursors and single-row reads. Knows
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

struct Context
{
    Context(Connection &c, const std::map<std::string, RowSet> &d, Vars v)
        : conn(c), data(d), vars(std::move(v))
    {
    }
    Connection &conn;
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

    const RowSet &set(const std::string &name, const Step &step) const;
    void record(const std::string &sql, const std::vector<Param> &params);
};

void run_steps(const std::vector<Step> &steps, Context &ctx);

// Setup, teardown and before_each: unmeasured; errors are prefixed with `where`.
void run_housekeeping(const std::vector<Step> &steps, Connection &conn,
                      const std::map<std::string, RowSet> &data, const Vars &vars, const std::string &where);

} // namespace perfgate
