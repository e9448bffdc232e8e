// Step execution. See steps.hpp.
#include "steps.hpp"

#include "errors.hpp"
#include "plans.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>

namespace perfgate
{

const RowSet &Context::set(const std::string &name, const Step &step) const
{
    if (auto it = saved.find(name); it != saved.end())
        return it->second;
    if (auto it = data.find(name); it != data.end())
        return it->second;
    throw InputError(
        fmt::format("{}: no data set or saved result named '{}' at this point", step.loc.str(), name));
}

void Context::record(const std::string &sql, const std::vector<Param> &params)
{
    if (repeated_queryids)
    {
        std::string key = sql;
        for (const Param &p : params)
        {
            key += '\x1f';
            key += p ? *p : std::string("\x1e");
        }
        if (!values_sent.insert(std::move(key)).second)
            if (const auto id = queryid_of.find(sql); id != queryid_of.end())
                repeated_queryids->insert(id->second);
    }
    if ((!plans && !queryids) || !explained.insert(sql).second || !explainable(sql))
        return;
    const auto t0 = std::chrono::steady_clock::now();
    Connection &conn = *this->conn;
    const WireStats saved_stats = conn.stats();
    // Inside a transaction a failing EXPLAIN must not abort it: the statement itself may still run.
    // The savepoint's name keeps it out of the extension's figures (see ExtensionProbe).
    if (in_transaction)
        conn.exec("SAVEPOINT pg_perfgate_explain");
    std::optional<std::pair<std::string, std::string>> shape;
    std::optional<std::string> queryid;
    bool failed = false;
    if (plans)
        failed |= !(shape = explain_shape(conn, sql, params));
    if (queryids && !failed)
        failed |= !(queryid = explain_queryid(conn, sql, params));
    if (in_transaction && failed)
        conn.exec("ROLLBACK TO SAVEPOINT pg_perfgate_explain");
    if (in_transaction)
        conn.exec("RELEASE SAVEPOINT pg_perfgate_explain");
    if (shape)
        plans->insert(std::move(*shape));
    if (queryid)
    {
        queryid_of[sql] = *queryid;
        queryids->insert(std::move(*queryid));
    }
    conn.stats() = saved_stats;
    explain_time += std::chrono::steady_clock::now() - t0;
}

namespace
{

std::vector<Param> bind(const Step &step, const Context &ctx)
{
    std::vector<Param> out;
    out.reserve(step.params.size());
    for (const auto &p : step.params)
    {
        switch (p.kind)
        {
        case ParamExpr::Kind::literal:
            out.emplace_back(p.text);
            break;
        case ParamExpr::Kind::null:
            out.emplace_back(std::nullopt);
            break;
        case ParamExpr::Kind::scalar:
        {
            auto it = ctx.vars.find(p.text);
            if (it == ctx.vars.end())
                throw InputError(fmt::format("{}: unknown variable ${} (the loop's row has no such column)",
                                             p.loc.str(), p.text));
            out.emplace_back(it->second);
            break;
        }
        case ParamExpr::Kind::array:
        {
            const RowSet &set = ctx.set(p.text, step);
            const int col = set.column_index(p.column);
            if (col < 0)
                throw InputError(fmt::format("{}: '{}' has no column '{}'", p.loc.str(), p.text, p.column));
            out.emplace_back(array_literal(set, col));
            break;
        }
        }
    }
    return out;
}

RowSet to_rowset(const Result &r)
{
    RowSet s;
    for (int c = 0; c < r.columns(); ++c)
        s.columns.push_back(r.column_name(c));
    s.rows.resize(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
        for (int c = 0; c < r.columns(); ++c)
            s.rows[static_cast<std::size_t>(i)].emplace_back(r.is_null(i, c) ? "" : r.value(i, c));
    return s;
}

void run_values_step(const Step &step, Context &ctx)
{
    const RowSet &set = ctx.set(step.values_from, step);
    const std::size_t ncols = set.columns.size();
    const std::size_t batch =
        step.values_batch > 0 ? static_cast<std::size_t>(step.values_batch) : set.rows.size();
    if (ncols * std::min(batch, set.rows.size()) > 65535)
        throw InputError(fmt::format("{}: {} rows x {} columns exceed PostgreSQL's 65535 parameters per "
                                     "statement; set 'batch' to at most {}",
                                     step.loc.str(), std::min(batch, set.rows.size()), ncols, 65535 / ncols));
    const auto marker = step.sql.find("{values}");
    std::string cached_sql;
    std::size_t cached_rows = 0;
    for (std::size_t begin = 0; begin < set.rows.size(); begin += batch)
    {
        const std::size_t rows = std::min(batch, set.rows.size() - begin);
        if (rows != cached_rows)
        {
            std::string tuples;
            int k = 1;
            for (std::size_t r = 0; r < rows; ++r)
            {
                tuples += r ? ",(" : "(";
                for (std::size_t c = 0; c < ncols; ++c)
                    tuples += fmt::format("{}${}", c ? "," : "", k++);
                tuples += ')';
            }
            cached_sql = step.sql.substr(0, marker) + tuples + step.sql.substr(marker + 8);
            cached_rows = rows;
        }
        std::vector<Param> params;
        params.reserve(rows * ncols);
        for (std::size_t r = begin; r < begin + rows; ++r)
            for (const auto &v : set.rows[r])
                params.emplace_back(v);
        ctx.record(cached_sql, params);
        Result res = ctx.conn->exec(cached_sql, params);
        if (!step.save_as.empty())
            ctx.saved[step.save_as] = to_rowset(res);
    }
}

void run_step(const Step &step, Context &ctx);

// A request that opens its own connection: connect, run the body on the new session, close it. The
// body's statements count as the variant's (statements, round trips, rows, bytes, plus one round trip
// for the connection itself); a transaction open on the outer connection is no concern of the new one.
void run_connect_step(const Step &step, Context &ctx)
{
    if (!ctx.connect_as)
        throw InputError(fmt::format("{}: a connect step runs only in a variant's steps", step.loc.str()));
    Connection &outer = *ctx.conn;
    std::optional<Connection> inner;
    try
    {
        inner.emplace(outer.conninfo(),
                      std::vector<std::pair<std::string, std::string>>{
                          {"application_name", ctx.connect_as->application_name},
                          {"options", startup_options(outer.option("options"), ctx.connect_as->settings)}});
    }
    catch (const ConnectionError &e)
    {
        throw ConnectionError(fmt::format("{}: {}", step.describe(), e.what()));
    }
    ctx.backend_pids.push_back(inner->backend_pid());
    inner->record_sent(outer.recording());
    // Back to the outer connection however the body ends, with the inner one's counters added.
    struct Back
    {
        Context &ctx;
        Connection &outer;
        Connection &inner;
        bool in_transaction;
        ~Back()
        {
            ctx.conn = &outer;
            ctx.in_transaction = in_transaction;
            WireStats &o = outer.stats();
            const WireStats &i = inner.stats();
            o.statements += i.statements;
            o.round_trips += i.round_trips + 1;
            o.rows_returned += i.rows_returned;
            o.rows_affected += i.rows_affected;
            o.bytes_received += i.bytes_received;
            o.peak_result_bytes = std::max(o.peak_result_bytes, i.peak_result_bytes);
        }
    } back{ctx, outer, *inner, ctx.in_transaction};
    ctx.conn = &*inner;
    ctx.in_transaction = false;
    run_steps(step.body, ctx);
}

void run_step(const Step &step, Context &ctx)
{
    switch (step.kind)
    {
    case StepKind::sql:
    {
        if (!step.values_from.empty())
        {
            run_values_step(step, ctx);
            break;
        }
        auto params = bind(step, ctx);
        ctx.record(step.sql, params);
        Result res = ctx.conn->exec(step.sql, params);
        if (!step.save_as.empty())
            ctx.saved[step.save_as] = to_rowset(res);
        break;
    }
    case StepKind::loop:
    {
        // Copy: the body may overwrite a saved result that is being looped over.
        const RowSet rows = ctx.set(step.over, step);
        const Vars outer = ctx.vars;
        for (const auto &row : rows.rows)
        {
            for (std::size_t c = 0; c < rows.columns.size(); ++c)
                ctx.vars[rows.columns[c]] = row[c];
            run_steps(step.body, ctx);
        }
        ctx.vars = outer;
        break;
    }
    case StepKind::transaction:
    {
        ctx.conn->exec("BEGIN");
        ctx.in_transaction = true;
        try
        {
            run_steps(step.body, ctx);
        }
        catch (...)
        {
            ctx.in_transaction = false;
            try
            {
                ctx.conn->exec("ROLLBACK");
            }
            catch (const Error &)
            {
                // The original error is the one worth reporting.
            }
            throw;
        }
        ctx.in_transaction = false;
        ctx.conn->exec("COMMIT");
        break;
    }
    case StepKind::copy:
    {
        const RowSet &set = ctx.set(step.copy_from, step);
        ctx.conn->copy_in(fmt::format("COPY {} FROM STDIN", step.copy_target),
                          copy_text(set, 0, set.rows.size()));
        break;
    }
    case StepKind::cursor:
    {
        auto params = bind(step, ctx);
        ctx.record(step.sql, params);
        const bool own_tx = !ctx.in_transaction;
        if (own_tx)
            ctx.conn->exec("BEGIN");
        ctx.conn->exec("DECLARE perfgate_cursor NO SCROLL CURSOR FOR " + step.sql, params);
        const std::string fetch = fmt::format("FETCH {} FROM perfgate_cursor", step.fetch);
        while (ctx.conn->exec(fetch).rows() >= step.fetch)
        {
        }
        ctx.conn->exec("CLOSE perfgate_cursor");
        if (own_tx)
            ctx.conn->exec("COMMIT");
        break;
    }
    case StepKind::single_row:
    {
        auto params = bind(step, ctx);
        ctx.record(step.sql, params);
        if (ctx.streamed_queryids)
            if (const auto id = ctx.queryid_of.find(step.sql); id != ctx.queryid_of.end())
                ctx.streamed_queryids->insert(id->second);
        ctx.conn->exec_single_row(step.sql, params, [](const Result &) {});
        break;
    }
    case StepKind::connect:
        run_connect_step(step, ctx);
        break;
    }
}

} // namespace

void run_steps(const std::vector<Step> &steps, Context &ctx)
{
    for (const auto &step : steps)
    {
        try
        {
            run_step(step, ctx);
        }
        catch (const SqlError &e)
        {
            // Name the innermost step once; outer steps (loops, transactions) pass the message on.
            if (std::string(e.what()).find(" step at ") != std::string::npos)
                throw;
            throw SqlError(fmt::format("{}: {}", step.describe(), e.what()), e.sqlstate());
        }
    }
}

bool opens_connections(const std::vector<Step> &steps)
{
    return std::any_of(steps.begin(), steps.end(),
                       [](const Step &s)
                       { return s.kind == StepKind::connect || opens_connections(s.body); });
}

std::string startup_options(const std::string &inherited, const std::map<std::string, std::string> &settings)
{
    std::string out = inherited;
    for (const auto &[name, value] : settings)
    {
        out += out.empty() ? "-c " : " -c ";
        for (char c : name + "=" + value)
        {
            if (std::isspace(static_cast<unsigned char>(c)) || c == '\\')
                out += '\\';
            out += c;
        }
    }
    return out;
}

void run_housekeeping(const std::vector<Step> &steps, Connection &conn,
                      const std::map<std::string, RowSet> &data, const Vars &vars, const std::string &where)
{
    Context ctx(conn, data, vars);
    try
    {
        run_steps(steps, ctx);
    }
    catch (const SqlError &e)
    {
        throw SqlError(fmt::format("{}: {}", where, e.what()), e.sqlstate());
    }
}

} // namespace perfgate
