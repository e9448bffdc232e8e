// Measurement: warm-up, interleaved measured rounds, wire counters, extension snapshots, EXPLAIN
// shapes. See runner.hpp for what is measured and what is not.
#include "runner.hpp"

#include "datagen.hpp"
#include "errors.hpp"
#include "extension.hpp"
#include "plans.hpp"
#include "steps.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>

#include <fmt/format.h>

namespace perfgate
{
namespace
{

using Clock = std::chrono::steady_clock;

bool same_counts(const WireStats &a, const WireStats &b)
{
    return a.statements == b.statements && a.round_trips == b.round_trips &&
           a.rows_returned == b.rows_returned && a.rows_affected == b.rows_affected &&
           a.bytes_received == b.bytes_received;
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

void apply_session_settings(Connection &conn, const RunOptions &options)
{
    if (options.statement_timeout_s > 0)
        conn.exec(fmt::format("SET statement_timeout = '{}s'", options.statement_timeout_s));
}

// Writes the pages that setup dirtied now, so the checkpointer and background writer are not busy
// with them during the measurement. Needs superuser or pg_checkpoint; without them, best effort.
void checkpoint(Connection &conn)
{
    try
    {
        conn.exec("CHECKPOINT");
    }
    catch (const SqlError &)
    {
    }
}

// One version of a scenario on one connection, with the state of the size being measured.
struct Arm
{
    Connection &conn;
    const Workload &w;
    ExtensionProbe &probe;
    // A/B runs: both arms share one connection (one backend process, so both see the same CPU
    // scheduling) and each keeps its tables in its own schema, selected with search_path.
    std::string schema;
    std::string *active_schema = nullptr;
    ScenarioResult out;
    std::map<std::string, RowSet> data;
    Vars vars;
    std::vector<SizeResult> sizes;
    std::vector<WireStats> first;
    std::vector<std::map<std::string, std::vector<Param>>> recorded;

    Arm(Connection &c, const Workload &wl, ExtensionProbe &p, const RunOptions &options)
        : conn(c), w(wl), probe(p)
    {
        out.name = w.name;
        out.description = w.description;
        out.file = w.file;
        out.file_hash = w.file_hash;
        out.data_hash = w.data_hash;
        out.source = w.source;
        out.sizes = w.sizes;
        out.warmup = options.warmup >= 0 ? options.warmup : w.warmup;
        out.iterations = options.iterations > 0 ? options.iterations : w.iterations;
        out.gates = w.gates;
        out.pairs = w.pairs;
        for (const auto &v : w.variants)
            out.variants.push_back({.name = v.name,
                                    .description = v.description,
                                    .hash = v.hash,
                                    .batched = v.batched,
                                    .sizes = {}});
    }

    // The rows of pg_perfgate_antipatterns about statements this variant sent (matched by query id:
    // the view is cumulative), tagged with the variant and size; each (kind, query, variant) once.
    void record_antipatterns(const std::string &variant, std::int64_t n, const ExtFigures &ext)
    {
        for (auto &row : probe.antipatterns())
        {
            const std::string queryid = row.contains("queryid") ? row["queryid"].dump() : "";
            if (!ext.calls_by_query.count(queryid))
                continue;
            const std::string key = fmt::format("{}|{}|{}", row.value("kind", ""), queryid, variant);
            bool seen = false;
            for (const auto &have : out.antipatterns)
                seen |= have.value("key", "") == key;
            if (seen)
                continue;
            row["variant"] = variant;
            row["n"] = n;
            row["key"] = key;
            out.antipatterns.push_back(std::move(row));
        }
    }

    // The connection, with this arm's schema first on the search_path.
    Connection &use()
    {
        if (!schema.empty() && *active_schema != schema)
        {
            conn.exec(fmt::format("SET search_path = {}, public", quote_ident(schema)));
            *active_schema = schema;
        }
        return conn;
    }

    void start_size(std::int64_t n)
    {
        vars = {{"n", std::to_string(n)}};
        data.clear();
        for (const auto &ds : w.data)
            data[ds.name] = generate(ds, vars);
        run_housekeeping(w.setup_per_size, use(), data, vars,
                         fmt::format("scenario '{}', n={}, setup_per_size", w.name, n));
        const std::size_t nv = w.variants.size();
        sizes.assign(nv, SizeResult{});
        first.assign(nv, WireStats{});
        recorded.assign(nv, {});
    }

    void run_variant(std::size_t vi, std::int64_t n, bool record, bool measured, bool last)
    {
        const Variant &variant = w.variants[vi];
        const std::string where = fmt::format("scenario '{}', variant '{}', n={}", w.name, variant.name, n);
        run_housekeeping(w.before_each, use(), data, vars, where + ", before_each");
        if (last)
            probe.reset();
        Context ctx(conn, data, vars);
        if (record)
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
        {
            sizes[vi].ext = probe.snapshot();
            record_antipatterns(variant.name, n, sizes[vi].ext);
        }
        if (!measured)
            return;
        SizeResult &z = sizes[vi];
        z.samples_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        if (z.samples_ms.size() == 1)
            first[vi] = ws;
        else if (!same_counts(first[vi], ws))
            z.stable = false;
        z.peak_result_bytes = std::max(z.peak_result_bytes, ws.peak_result_bytes);
    }

    void finish_size(std::int64_t n)
    {
        for (std::size_t vi = 0; vi < sizes.size(); ++vi)
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
                    if (auto shape = explain_shape(use(), sql, params))
                        z.plans[shape->first] = shape->second;
            out.variants[vi].sizes.push_back(std::move(z));
        }
    }
};

// Runs one scenario in one or more arms (versions), interleaving every arm's variants round by round.
void run_scenario(std::vector<Arm> &arms, const RunOptions &options, Progress &progress)
{
    const std::map<std::string, RowSet> no_data;
    std::vector<Arm *> setup_order;
    for (auto &arm : arms)
        setup_order.push_back(&arm);
    if (options.reverse_setup)
        std::reverse(setup_order.begin(), setup_order.end());
    for (Arm *arm : setup_order)
        run_housekeeping(arm->w.setup, arm->use(), no_data, {},
                         fmt::format("scenario '{}', setup", arm->w.name));

    // Units of work grouped by variant name: in an A/B run the two versions of one variant run back to
    // back, so they see the same conditions on the machine; each round starts one group further along
    // and alternates which arm goes first (ABBA), so neither version always runs in the other's wake.
    std::vector<std::vector<std::pair<std::size_t, std::size_t>>> groups;
    std::map<std::string, std::size_t> group_of;
    for (std::size_t a = 0; a < arms.size(); ++a)
        for (std::size_t v = 0; v < arms[a].w.variants.size(); ++v)
        {
            auto [it, fresh] = group_of.try_emplace(arms[a].w.variants[v].name, groups.size());
            if (fresh)
                groups.emplace_back();
            groups[it->second].emplace_back(a, v);
        }
    const int warmup = arms.front().out.warmup, iterations = arms.front().out.iterations;

    for (std::int64_t n : arms.front().w.sizes)
    {
        for (Arm *arm : setup_order)
            arm->start_size(n);
        checkpoint(arms.front().conn);
        auto round = [&](int r, bool measured, bool last)
        {
            for (std::size_t k = 0; k < groups.size(); ++k)
            {
                const auto &group = groups[(k + static_cast<std::size_t>(r)) % groups.size()];
                for (std::size_t j = 0; j < group.size(); ++j)
                {
                    const auto [a, v] = group[r % 2 ? group.size() - 1 - j : j];
                    arms[a].run_variant(v, n, r == 0, measured, last);
                }
            }
        };
        // Warm-up: at least `warmup` rounds, and (unless warm-up is off) at least 250 ms, so that a
        // fresh server's cold caches and a CPU still at low clock do not end up in the first size's
        // samples. Capped so a slow variant is not repeated for long.
        int r = 0;
        const auto warm_start = Clock::now();
        while (r < warmup ||
               (warmup > 0 && r < 1000 && Clock::now() - warm_start < std::chrono::milliseconds(250)))
        {
            progress.update(fmt::format("n={} warm-up", n), 0, 0);
            round(r++, false, false);
        }
        for (int it = 0; it < iterations; ++it)
        {
            progress.update(fmt::format("n={}", n), it, iterations);
            round(r++, true, it == iterations - 1);
        }
        for (auto &arm : arms)
            arm.finish_size(n);
    }
    for (auto &arm : arms)
    {
        run_housekeeping(arm.w.teardown, arm.use(), no_data, {},
                         fmt::format("scenario '{}', teardown", arm.w.name));
    }
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
    apply_session_settings(conn, options);
    ExtensionProbe probe(conn);
    Results results;
    results.created_at = utc_now();
    results.env = fingerprint(conn, probe.available());
    int index = 0;
    for (const auto &w : workloads)
    {
        progress.scenario(w.name, ++index, static_cast<int>(workloads.size()));
        std::vector<Arm> arms;
        arms.emplace_back(conn, w, probe, options);
        run_scenario(arms, options, progress);
        results.scenarios.push_back(std::move(arms.front().out));
    }
    progress.clear();
    return results;
}

AbResults run_workloads_ab(Connection &conn, const std::vector<Workload> &baseline_workloads,
                           const std::vector<Workload> &current_workloads, const RunOptions &options,
                           Progress &progress)
{
    return run_workloads_ab(conn, conn, baseline_workloads, current_workloads, options, progress);
}

AbResults run_workloads_ab(Connection &baseline_conn, Connection &current_conn,
                           const std::vector<Workload> &baseline_workloads,
                           const std::vector<Workload> &current_workloads, const RunOptions &options,
                           Progress &progress)
{
    if (baseline_workloads.size() != current_workloads.size())
        throw InputError("A/B run: the baseline and the current run need the same scenarios");
    // One connection: the arms live in two schemas of its database. Two connections (two targets):
    // each arm runs in its own database with the workload's own names.
    const bool shared = &baseline_conn == &current_conn;
    static const char *schemas[] = {"perfgate_baseline", "perfgate_current"};
    Connection *conns[] = {&baseline_conn, &current_conn};
    for (Connection *c : conns)
        apply_session_settings(*c, options);
    if (shared)
        for (const char *schema : schemas)
        {
            baseline_conn.exec(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", schema));
            baseline_conn.exec(fmt::format("CREATE SCHEMA {}", schema));
        }
    ExtensionProbe base_probe(baseline_conn);
    std::optional<ExtensionProbe> own_probe;
    if (!shared)
        own_probe.emplace(current_conn);
    ExtensionProbe &cur_probe = shared ? base_probe : *own_probe;
    AbResults ab;
    ab.baseline.created_at = ab.current.created_at = utc_now();
    ab.baseline.env = fingerprint(baseline_conn, base_probe.available());
    ab.current.env = fingerprint(current_conn, cur_probe.available());
    std::string active;
    for (std::size_t i = 0; i < current_workloads.size(); ++i)
    {
        const Workload &b = baseline_workloads[i], &c = current_workloads[i];
        if (b.sizes != c.sizes)
            throw InputError(fmt::format("A/B run: scenario '{}' has other sizes in the baseline", c.name));
        progress.scenario(c.name + " (A/B)", static_cast<int>(i + 1),
                          static_cast<int>(current_workloads.size()));
        std::vector<Arm> arms;
        arms.emplace_back(baseline_conn, b, base_probe, options);
        arms.emplace_back(current_conn, c, cur_probe, options);
        if (shared)
            for (std::size_t a = 0; a < 2; ++a)
            {
                arms[a].schema = schemas[a];
                arms[a].active_schema = &active;
            }
        run_scenario(arms, options, progress);
        ab.baseline.scenarios.push_back(std::move(arms[0].out));
        ab.current.scenarios.push_back(std::move(arms[1].out));
    }
    if (shared)
    {
        for (const char *schema : schemas)
            baseline_conn.exec(fmt::format("DROP SCHEMA {} CASCADE", schema));
        baseline_conn.exec("RESET search_path");
    }
    progress.clear();
    return ab;
}

} // namespace perfgate
