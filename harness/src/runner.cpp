// Step execution and measurement. See runner.hpp for what is measured and what is not.
#include "runner.hpp"

#include "datagen.hpp"
#include "errors.hpp"
#include "extension.hpp"
#include "plans.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#include <fmt/format.h>

namespace perfgate
{
namespace
{

using Clock = std::chrono::steady_clock;

struct Context
{
    Context(Connection &c, const std::map<std::string, RowSet> &d, Vars v) : conn(c), data(d), vars(std::move(v)) {}
    Connection &conn;
    const std::map<std::string, RowSet> &data;
    std::map<std::string, RowSet> saved;
    Vars vars;
    bool in_transaction = false;
    // When set, the first parameters each statement ran with, for EXPLAIN after the iteration.
    std::map<std::string, std::vector<Param>> *recorder = nullptr;

    const RowSet &set(const std::string &name, const Step &step) const
    {
        if (auto it = saved.find(name); it != saved.end())
            return it->second;
        if (auto it = data.find(name); it != data.end())
            return it->second;
        throw InputError(fmt::format("{}: no data set or saved result named '{}' at this point", step.loc.str(), name));
    }
    void record(const std::string &sql, const std::vector<Param> &params)
    {
        if (recorder)
            recorder->try_emplace(sql, params);
    }
};

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
        case ParamExpr::Kind::scalar: {
            auto it = ctx.vars.find(p.text);
            if (it == ctx.vars.end())
                throw InputError(fmt::format("{}: unknown variable ${} (the loop's row has no such column)",
                                             p.loc.str(), p.text));
            out.emplace_back(it->second);
            break;
        }
        case ParamExpr::Kind::array: {
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

void run_steps(const std::vector<Step> &steps, Context &ctx);

void run_values_step(const Step &step, Context &ctx)
{
    const RowSet &set = ctx.set(step.values_from, step);
    const std::size_t ncols = set.columns.size();
    const std::size_t batch = step.values_batch > 0 ? static_cast<std::size_t>(step.values_batch) : set.rows.size();
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
        Result res = ctx.conn.exec(cached_sql, params);
        if (!step.save_as.empty())
            ctx.saved[step.save_as] = to_rowset(res);
    }
}

void run_step(const Step &step, Context &ctx)
{
    switch (step.kind)
    {
    case StepKind::sql: {
        if (!step.values_from.empty())
        {
            run_values_step(step, ctx);
            break;
        }
        auto params = bind(step, ctx);
        ctx.record(step.sql, params);
        Result res = ctx.conn.exec(step.sql, params);
        if (!step.save_as.empty())
            ctx.saved[step.save_as] = to_rowset(res);
        break;
    }
    case StepKind::loop: {
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
    case StepKind::transaction: {
        ctx.conn.exec("BEGIN");
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
                ctx.conn.exec("ROLLBACK");
            }
            catch (const Error &)
            {
                // The original error is the one worth reporting.
            }
            throw;
        }
        ctx.in_transaction = false;
        ctx.conn.exec("COMMIT");
        break;
    }
    case StepKind::copy: {
        const RowSet &set = ctx.set(step.copy_from, step);
        ctx.conn.copy_in(fmt::format("COPY {} FROM STDIN", step.copy_target), copy_text(set, 0, set.rows.size()));
        break;
    }
    case StepKind::cursor: {
        auto params = bind(step, ctx);
        ctx.record(step.sql, params);
        const bool own_tx = !ctx.in_transaction;
        if (own_tx)
            ctx.conn.exec("BEGIN");
        ctx.conn.exec("DECLARE perfgate_cursor NO SCROLL CURSOR FOR " + step.sql, params);
        const std::string fetch = fmt::format("FETCH {} FROM perfgate_cursor", step.fetch);
        while (ctx.conn.exec(fetch).rows() >= step.fetch)
        {
        }
        ctx.conn.exec("CLOSE perfgate_cursor");
        if (own_tx)
            ctx.conn.exec("COMMIT");
        break;
    }
    case StepKind::single_row: {
        auto params = bind(step, ctx);
        ctx.record(step.sql, params);
        ctx.conn.exec_single_row(step.sql, params, [](const Result &) {});
        break;
    }
    }
}

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

void run_housekeeping(const std::vector<Step> &steps, Connection &conn, const std::map<std::string, RowSet> &data,
                      const Vars &vars, const std::string &where)
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

bool same_counts(const WireStats &a, const WireStats &b)
{
    return a.statements == b.statements && a.round_trips == b.round_trips && a.rows_returned == b.rows_returned &&
           a.rows_affected == b.rows_affected && a.bytes_received == b.bytes_received;
}

std::string utc_now()
{
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

ScenarioResult run_scenario(Connection &conn, const Workload &w, const RunOptions &options, Progress &progress,
                            ExtensionProbe &probe)
{
    ScenarioResult out;
    out.name = w.name;
    out.description = w.description;
    out.file = w.file;
    out.file_hash = w.file_hash;
    out.data_hash = w.data_hash;
    out.sizes = w.sizes;
    out.warmup = options.warmup >= 0 ? options.warmup : w.warmup;
    out.iterations = options.iterations > 0 ? options.iterations : w.iterations;
    out.gates = w.gates;
    out.pairs = w.pairs;
    for (const auto &v : w.variants)
        out.variants.push_back({.name = v.name, .description = v.description, .hash = v.hash, .batched = v.batched,
                                .sizes = {}});

    const std::map<std::string, RowSet> no_data;
    run_housekeeping(w.setup, conn, no_data, {}, fmt::format("scenario '{}', setup", w.name));

    const std::size_t nv = w.variants.size();
    for (std::int64_t n : w.sizes)
    {
        const Vars vars{{"n", std::to_string(n)}};
        std::map<std::string, RowSet> data;
        for (const auto &ds : w.data)
            data[ds.name] = generate(ds, vars);
        run_housekeeping(w.setup_per_size, conn, data, vars,
                         fmt::format("scenario '{}', n={}, setup_per_size", w.name, n));

        std::vector<SizeResult> sizes(nv);
        std::vector<WireStats> first(nv);
        std::vector<std::map<std::string, std::vector<Param>>> recorded(nv);
        // One round runs every variant once, starting with a different one each round.
        auto round = [&](int r, bool measured, bool last) {
            for (std::size_t k = 0; k < nv; ++k)
            {
                const std::size_t vi = (k + static_cast<std::size_t>(r)) % nv;
                const Variant &variant = w.variants[vi];
                const std::string where = fmt::format("scenario '{}', variant '{}', n={}", w.name, variant.name, n);
                run_housekeeping(w.before_each, conn, data, vars, where + ", before_each");
                if (last)
                    probe.reset();

                Context ctx(conn, data, vars);
                if (r == 0)
                    ctx.recorder = &recorded[vi];
                conn.stats() = WireStats{};
                const auto t0 = Clock::now();
                try
                {
                    run_steps(variant.steps, ctx);
                }
                catch (const SqlError &e)
                {
                    throw SqlError(fmt::format("{}: {}", where, e.what()), e.sqlstate());
                }
                const auto t1 = Clock::now();
                const WireStats ws = conn.stats();
                if (last)
                    sizes[vi].ext = probe.snapshot();
                if (!measured)
                    continue;
                SizeResult &z = sizes[vi];
                z.samples_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
                if (z.samples_ms.size() == 1)
                    first[vi] = ws;
                else if (!same_counts(first[vi], ws))
                    z.stable = false;
                z.peak_result_bytes = std::max(z.peak_result_bytes, ws.peak_result_bytes);
            }
        };
        // Warm-up: at least `warmup` rounds, and (unless warm-up is off) at least 250 ms, so that a
        // fresh server's cold caches and a CPU still at low clock do not end up in the first size's
        // samples. Capped so a slow variant is not repeated for long.
        int r = 0;
        const auto warm_start = Clock::now();
        while (r < out.warmup ||
               (out.warmup > 0 && r < 1000 && Clock::now() - warm_start < std::chrono::milliseconds(250)))
        {
            progress.update(fmt::format("n={} warm-up", n), 0, out.iterations);
            round(r++, false, false);
        }
        for (int it = 0; it < out.iterations; ++it)
        {
            progress.update(fmt::format("n={}", n), it, out.iterations);
            round(r++, true, it == out.iterations - 1);
        }
        for (std::size_t vi = 0; vi < nv; ++vi)
        {
            SizeResult &z = sizes[vi];
            z.n = n;
            z.statements = first[vi].statements;
            z.round_trips = first[vi].round_trips;
            z.rows_returned = first[vi].rows_returned;
            z.rows_affected = first[vi].rows_affected;
            z.bytes_received = first[vi].bytes_received;
            if (w.gates.plans)
                for (const auto &[sql, params] : recorded[vi])
                    if (auto shape = explain_shape(conn, sql, params))
                        z.plans[shape->first] = shape->second;
            out.variants[vi].sizes.push_back(std::move(z));
        }
    }
    out.antipatterns = probe.antipatterns();
    run_housekeeping(w.teardown, conn, no_data, {}, fmt::format("scenario '{}', teardown", w.name));
    return out;
}

} // namespace

Environment fingerprint(Connection &conn, bool extension)
{
    Environment env;
    env.server_version = conn.server_parameter("server_version");
    env.server_version_num = conn.server_version();
    env.extension = extension;
    env.harness_version = PERFGATE_VERSION;
    // Settings that change plans or buffer counts; a baseline taken under others is not comparable.
    Result r = conn.exec("SELECT name, setting FROM pg_settings WHERE name = ANY($1) ORDER BY name",
                         {"{shared_buffers,work_mem,effective_cache_size,random_page_cost,seq_page_cost,jit,"
                          "autovacuum,max_parallel_workers_per_gather,default_statistics_target,block_size,"
                          "server_encoding,lc_collate,enable_seqscan,enable_indexscan,enable_bitmapscan}"});
    for (int i = 0; i < r.rows(); ++i)
        env.settings[std::string(r.value(i, 0))] = std::string(r.value(i, 1));
    return env;
}

Results run_workloads(Connection &conn, const std::vector<Workload> &workloads, const RunOptions &options,
                      Progress &progress)
{
    ExtensionProbe probe(conn);
    Results results;
    results.created_at = utc_now();
    results.env = fingerprint(conn, probe.available());
    int index = 0;
    for (const auto &w : workloads)
    {
        progress.scenario(w.name, ++index, static_cast<int>(workloads.size()));
        results.scenarios.push_back(run_scenario(conn, w, options, progress, probe));
    }
    progress.clear();
    return results;
}

} // namespace perfgate
