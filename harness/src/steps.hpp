// Executes workload steps on a connection: binds parameters from variables, data sets and saved
// results, expands {values}, runs loops, transactions, COPY, cursors and single-row reads. Knows
// nothing about timing; the runner wraps it. A failing statement is reported as an SqlError whose
// message names the innermost step (file:line and the start of its SQL).
#pragma once

#include "datagen.hpp"
#include "pg.hpp"
#include "workload.hpp"

#include <map>
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
    // When set, the first parameters each statement ran with, for EXPLAIN after the iteration.
    std::map<std::string, std::vector<Param>> *recorder = nullptr;

    const RowSet &set(const std::string &name, const Step &step) const;
    void record(const std::string &sql, const std::vector<Param> &params);
};

void run_steps(const std::vector<Step> &steps, Context &ctx);

// Setup, teardown and before_each: unmeasured; errors are prefixed with `where`.
void run_housekeeping(const std::vector<Step> &steps, Connection &conn,
                      const std::map<std::string, RowSet> &data, const Vars &vars, const std::string &where);

} // namespace perfgate
