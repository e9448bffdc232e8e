// Measurement: warm-up, interleaved measured rounds, wire counters, extension snapshots, EXPLAIN
// shapes. See runner.hpp for what is measured and what is not.
#include "runner.hpp"

#include "baseline.hpp"
#include "datagen.hpp"
#include "errors.hpp"
#include "extension.hpp"
#include "plans.hpp"
#include "steps.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <xxhash.h>

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

// A text[] literal of `values`, for binding a list as one parameter.
std::string text_array(const std::vector<std::string> &values)
{
    RowSet set{.columns = {"v"}, .rows = {}};
    for (const auto &v : values)
        set.rows.push_back({v});
    return array_literal(set, 0);
}

using Settings = std::map<std::string, std::string>;

// Puts the session's settings in exactly the state `wanted` describes: every setting changed in this
// session and not wanted goes back to its reset value (the server's, or the client's PGOPTIONS), and
// every wanted one is set. One statement, so switching arms costs one round trip.
void restore_session(Connection &conn, const Settings &wanted)
{
    std::vector<std::string> names, values;
    for (const auto &[k, v] : wanted)
    {
        names.push_back(k);
        values.push_back(v);
    }
    conn.exec("SELECT count(set_config(coalesce(w.name, s.name), coalesce(w.value, s.reset_val), false)) "
              "FROM pg_settings s FULL JOIN unnest($1::text[], $2::text[]) AS w(name, value) "
              "ON s.name = w.name WHERE s.source = 'session' OR w.name IS NOT NULL",
              {text_array(names), text_array(values)});
}

// The settings this session changed (SET, set_config): an arm's state after its setup.
Settings session_settings(Connection &conn)
{
    Settings out;
    Result r = conn.exec("SELECT name, setting FROM pg_settings WHERE source = 'session'");
    for (int i = 0; i < r.rows(); ++i)
        out[std::string(r.value(i, 0))] = std::string(r.value(i, 1));
    return out;
}

Settings run_settings(const RunOptions &options)
{
    Settings out = options.settings;
    if (options.statement_timeout_s > 0)
        out["statement_timeout"] = fmt::format("{}s", options.statement_timeout_s);
    return out;
}

constexpr const char *schema_marker = "perfgate scratch schema: created and dropped by perfgate";

// Creates perfgate's schema for one arm of one scenario: perfgate_<arm>_<backend pid>, so that runs
// on other connections never collide. Marked schemas left behind by runs whose backend is gone are
// dropped; a schema of that name without perfgate's mark belongs to someone else and is not touched.
std::string claim_schema(Connection &conn, const std::string &arm)
{
    Result pid = conn.exec("SELECT pg_backend_pid()");
    const std::string schema = fmt::format("perfgate_{}_{}", arm, pid.value(0, 0));
    Result stale = conn.exec(
        "SELECT quote_ident(n.nspname) FROM pg_namespace n "
        "WHERE n.nspname ~ '^perfgate_[a-z]+_[0-9]+$' AND obj_description(n.oid, 'pg_namespace') = $1 "
        "AND (n.nspname = $2 OR substring(n.nspname from '[0-9]+$')::int NOT IN "
        "(SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL))",
        {std::string(schema_marker), schema});
    for (int i = 0; i < stale.rows(); ++i)
        conn.exec(fmt::format("DROP SCHEMA {} CASCADE", stale.value(i, 0)));
    Result taken = conn.exec("SELECT 1 FROM pg_namespace WHERE nspname = $1", {schema});
    if (taken.rows() > 0)
        throw InputError(fmt::format("schema {} exists and was not created by perfgate; perfgate does not "
                                     "touch objects it did not create: rename that schema",
                                     schema));
    conn.exec(fmt::format("CREATE SCHEMA {}", quote_ident(schema)));
    conn.exec(fmt::format("COMMENT ON SCHEMA {} IS '{}'", quote_ident(schema), schema_marker));
    return schema;
}

// What a workload loaded gets statistics now, and autovacuum leaves it alone afterwards: plans and
// buffer counts then depend on the workload, not on when the daemon came by. Only perfgate's schema
// and this session's temporary tables: the user's tables keep their statistics.
void settle_loaded_tables(Connection &conn, const std::string &schema)
{
    Result r =
        conn.exec("SELECT format('%I.%I', n.nspname, c.relname), c.relkind = 'r' AND n.nspname = $1 "
                  "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE (n.nspname = $1 OR n.oid = pg_my_temp_schema()) AND c.relkind IN ('r', 'm', 'p') "
                  "ORDER BY 1",
                  {schema});
    std::vector<std::string> tables;
    for (int i = 0; i < r.rows(); ++i)
    {
        tables.emplace_back(r.value(i, 0));
        if (r.value(i, 1) == "t")
            conn.exec(fmt::format("ALTER TABLE {} SET (autovacuum_enabled = off)", tables.back()));
    }
    if (!tables.empty())
        conn.exec(fmt::format("ANALYZE {}", fmt::join(tables, ", ")));
}

// The backends of the connections a variant closed run their exit (where pg_perfgate counts a
// session that ended) after the client has gone on: waits until they are gone, at most a few seconds.
void wait_for_exit(Connection &conn, const std::vector<int> &pids)
{
    if (pids.empty())
        return;
    std::vector<std::string> text;
    for (int pid : pids)
        text.push_back(std::to_string(pid));
    const std::string list = text_array(text);
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (
        conn.exec("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])", {list}).value(0, 0) !=
            "0" &&
        Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

// One version of a scenario on one connection, with the state of the size being measured.
struct Arm
{
    Connection &conn;
    const Workload &w;
    ExtensionProbe &probe;
    std::string role; // "run", "baseline", "current": names its schema
    Settings base;    // the run's settings
    // Per scenario: perfgate's schema for this arm and the session state the arm's steps run under.
    // A/B runs: both arms share one connection (one backend process, so both see the same CPU
    // scheduling); `active` says which arm's state the connection is in.
    std::string schema;
    Settings session;
    std::map<Connection *, const Arm *> *active = nullptr;
    ScenarioResult out;
    std::map<std::string, RowSet> data;
    Vars vars;
    std::vector<SizeResult> sizes;
    std::vector<WireStats> first;
    std::vector<std::set<std::string>> own_queryids; // per variant, this size: what EXPLAIN VERBOSE said
    // Per variant, this size: the query ids it sent twice with the same values in one run (the
    // first round's, which EXPLAINs; every round sends the same).
    std::vector<std::set<std::string>> repeated_queryids;
    // Per variant, this size: the query ids it read in single-row mode (the client streamed them).
    std::vector<std::set<std::string>> streamed_queryids;

    Arm(Connection &c, const Workload &wl, ExtensionProbe &p, const RunOptions &options, std::string r)
        : conn(c), w(wl), probe(p), role(std::move(r)), base(run_settings(options))
    {
        out.name = w.name;
        out.description = w.description;
        out.file = w.file;
        out.file_hash = w.file_hash;
        out.data_hash = w.data_hash;
        out.data_hashes = data_hashes(w);
        out.settings = w.settings;
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
    // The findings on the statements a variant sent. A cache_candidate only where the variant itself
    // sent that read twice with the same values (`repeated`): every run of a variant repeats its
    // reads, and a read repeated only from one iteration to the next is the harness's doing. No
    // unstreamed_fetch on a read the variant took in single-row mode (`streamed`): the server sends
    // every result whole and cannot tell a client that holds one row at a time from one that holds
    // them all; the harness can.
    // connection_per_request has no query id: it names its application in its detail, and is the
    // variant's when that application is the one the variant's `connect:` steps opened their
    // connections with (`churned`: this variant's application, when its finding was recorded again
    // during the variant's last run; empty when the variant opened no connections).
    void record_antipatterns(const std::string &variant, std::int64_t n, const ExtFigures &ext,
                             const std::set<std::string> &repeated, const std::set<std::string> &streamed,
                             const std::string &churned)
    {
        for (auto &row : probe.antipatterns())
        {
            const std::string queryid = row.contains("queryid") ? row["queryid"].dump() : "";
            const std::string kind = row.value("kind", "");
            std::string about = queryid;
            if (kind == "connection_per_request")
            {
                const auto detail = row.find("detail");
                if (churned.empty() || detail == row.end() || !detail->is_string() ||
                    detail->get<std::string>().rfind(application_detail(churned), 0) != 0)
                    continue;
                about = churned;
            }
            else if (!ext.calls_by_query.count(queryid))
                continue;
            if (kind == "cache_candidate" && !repeated.count(queryid))
                continue;
            if (kind == "unstreamed_fetch" && streamed.count(queryid))
                continue;
            const std::string key = fmt::format("{}|{}|{}", kind, about, variant);
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

    // The connection, in this arm's session state (its schema alone on the search_path).
    Connection &use()
    {
        const Arm *&slot = (*active)[&conn];
        if (slot != this)
        {
            restore_session(conn, session);
            slot = this;
        }
        return conn;
    }

    // Each run of a variant starts as a request on a pooled connection does: after a reset (RESET
    // ALL, which a pool sends and pg_perfgate's loop detectors take as the end of a request), in this
    // arm's settings. Variants are independent requests: without the reset, the statement another
    // variant (or the harness) ran last looked like the parent of this variant's lookups, and a
    // replayed capture was flagged as an N+1 loop its application never ran. RESET ALL keeps what a
    // setup made (temporary tables, prepared statements, SET ROLE); only the settings are put back.
    void new_request()
    {
        conn.exec("RESET ALL");
        restore_session(conn, session);
        (*active)[&conn] = this;
    }

    void begin_scenario()
    {
        schema = claim_schema(conn, role);
        session = base;
        for (const auto &[k, v] : w.settings)
            session[k] = v;
        session["search_path"] = quote_ident(schema);
        (*active)[&conn] = nullptr;
        try
        {
            use();
        }
        catch (const SqlError &e)
        {
            throw InputError(fmt::format("scenario '{}': cannot apply its settings ({}): {}", w.name,
                                         settings_text(w.settings), e.what()));
        }
    }

    // After setup or setup_per_size: analyze what they loaded, and keep what they SET for this arm.
    void loaded()
    {
        settle_loaded_tables(use(), schema);
        session = session_settings(conn);
    }

    void drop_schema()
    {
        if (!schema.empty())
            conn.exec(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", quote_ident(schema)));
        schema.clear();
    }

    void start_size(std::int64_t n)
    {
        vars = {{"n", std::to_string(n)}};
        data.clear();
        for (const auto &ds : w.data)
            data[ds.name] = generate(ds, vars);
        run_housekeeping(w.setup_per_size, use(), data, vars,
                         fmt::format("scenario '{}', n={}, setup_per_size", w.name, n));
        if (!w.setup_per_size.empty())
            loaded();
        const std::size_t nv = w.variants.size();
        sizes.assign(nv, SizeResult{});
        first.assign(nv, WireStats{});
        own_queryids.assign(nv, {}); // tables may be recreated per size: new OIDs, new query ids
        repeated_queryids.assign(nv, {});
        streamed_queryids.assign(nv, {});
    }

    void run_variant(std::size_t vi, std::int64_t n, bool record, bool measured, bool last)
    {
        const Variant &variant = w.variants[vi];
        const std::string where = fmt::format("scenario '{}', variant '{}', n={}", w.name, variant.name, n);
        run_housekeeping(w.before_each, use(), data, vars, where + ", before_each");
        // A variant that opens connections: the server's clock before its last run, so that only a
        // connection_per_request finding its sessions recorded again counts as its own.
        const bool connects = opens_connections(variant.steps);
        std::string since;
        if (last && connects && probe.available())
            since = std::string(conn.exec("SELECT clock_timestamp()::text").value(0, 0));
        ExtensionProbe::Snapshot before;
        if (last)
            before = probe.snapshot();
        // After the snapshot (whose rows must not look like a parent either), before the recording
        // of what the variant sends.
        new_request();
        Context ctx(conn, data, vars);
        // The variant's own connections start as its session does after new_request(): the arm's
        // settings (its schema alone on the search_path), under an application_name of its own.
        ConnectAs connect_as{.application_name = connect_application_name(role, w.name, variant.name),
                             .settings = session};
        connect_as.settings.erase("application_name");
        ctx.connect_as = &connect_as;
        if (record && w.gates.plans)
            ctx.plans = &sizes[vi].plans;
        // What this variant sends, so that the extension's figures can be limited to it: other
        // sessions of the same role (a pgbench beside the app, a pool) run in the same database.
        if (record && probe.available())
        {
            ctx.queryids = &own_queryids[vi];
            ctx.repeated_queryids = &repeated_queryids[vi];
            ctx.streamed_queryids = &streamed_queryids[vi];
        }
        std::set<std::string> sent;
        struct Recording
        {
            Connection &conn;
            ~Recording() { conn.record_sent(nullptr); }
        } recording{conn};
        if (last)
            conn.record_sent(&sent);
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
        conn.record_sent(nullptr);
        if (last)
        {
            std::string churned;
            if (!since.empty())
            {
                wait_for_exit(conn, ctx.backend_pids);
                for (const auto &detail : probe.details_since("connection_per_request", since))
                    if (detail.rfind(application_detail(connect_as.application_name), 0) == 0)
                        churned = connect_as.application_name;
            }
            sizes[vi].ext = probe.since(before, own_queryids[vi], sent);
            record_antipatterns(variant.name, n, sizes[vi].ext, repeated_queryids[vi], streamed_queryids[vi],
                                churned);
        }
        if (!measured)
            return;
        SizeResult &z = sizes[vi];
        z.samples_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0 - ctx.explain_time).count());
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
            out.variants[vi].sizes.push_back(std::move(z));
        }
    }
};

// Runs one scenario in one or more arms (versions), interleaving every arm's variants round by round.
void run_scenario(std::vector<Arm> &arms, const RunOptions &options, Progress &progress)
{
    const std::map<std::string, RowSet> no_data;
    // Nothing of the previous scenario survives: settings, temporary tables, prepared statements.
    std::map<Connection *, const Arm *> active;
    for (auto &arm : arms)
        if (!active.count(&arm.conn))
        {
            arm.conn.exec("DISCARD ALL");
            active[&arm.conn] = nullptr;
        }
    // The schemas go when the scenario ends, also when it fails (best effort: the error is what counts).
    struct SchemaGuard
    {
        std::vector<Arm> &arms;
        ~SchemaGuard()
        {
            for (auto &arm : arms)
                try
                {
                    arm.drop_schema();
                }
                catch (const Error &)
                {
                }
        }
    } guard{arms};
    for (auto &arm : arms)
    {
        arm.active = &active;
        arm.begin_scenario();
    }
    std::vector<Arm *> setup_order;
    for (auto &arm : arms)
        setup_order.push_back(&arm);
    if (options.reverse_setup)
        std::reverse(setup_order.begin(), setup_order.end());
    for (Arm *arm : setup_order)
    {
        run_housekeeping(arm->w.setup, arm->use(), no_data, {},
                         fmt::format("scenario '{}', setup", arm->w.name));
        arm->loaded();
    }

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
        arm.drop_schema();
    }
    for (auto &[conn, arm] : active)
        conn->exec("DISCARD ALL");
}

} // namespace

std::string connect_application_name(const std::string &role, const std::string &scenario,
                                     const std::string &variant)
{
    const std::string full =
        fmt::format("{}/{}/{}", role == "run" ? "perfgate" : "perfgate-" + role, scenario, variant);
    // What the server keeps of it: printable ASCII, other bytes become '?'.
    std::string name = full;
    for (char &c : name)
        if (c < 32 || c > 126)
            c = '?';
    if (name.size() <= max_application_name)
        return name;
    // Too long for the finding's detail: the start, and a hash of the whole that tells it apart.
    const std::string tag = fmt::format("~{:08x}", XXH32(full.data(), full.size(), 0));
    return name.substr(0, max_application_name - tag.size()) + tag;
}

std::string application_detail(const std::string &application_name)
{
    return fmt::format("application \"{}\": ", application_name);
}

namespace
{

Environment fingerprint(Connection &conn, const RunOptions &options, const ExtensionState &extension)
{
    Environment env;
    env.server_version = conn.server_parameter("server_version");
    env.server_version_num = conn.server_version();
    env.extension = extension.use == ExtensionState::Use::in_use;
    env.extension_state = extension;
    env.harness_version = PERFGATE_VERSION;
    env.run_settings = options.settings;
    // Settings that change plans or buffer counts; a baseline taken under others is not comparable.
    // Every planner setting (enable_*, costs, GEQO, collapse limits, JIT thresholds: the "Query
    // Tuning" categories), plus memory, parallelism, vacuum, storage, locale and durability (what a commit
    // costs).
    Result r = conn.exec(
        "SELECT name, setting FROM pg_settings WHERE name = ANY($1) OR category LIKE 'Query Tuning%' "
        "ORDER BY name",
        {"{shared_buffers,work_mem,hash_mem_multiplier,maintenance_work_mem,temp_buffers,"
         "effective_io_concurrency,autovacuum,max_parallel_workers_per_gather,max_parallel_workers,"
         "max_worker_processes,block_size,server_encoding,lc_collate,lc_ctype,"
         "fsync,synchronous_commit,full_page_writes,wal_level}"});
    for (int i = 0; i < r.rows(); ++i)
        env.settings[std::string(r.value(i, 0))] = std::string(r.value(i, 1));
    return env;
}

Environment start_session(Connection &conn, const RunOptions &options, const ExtensionState &extension)
{
    try
    {
        conn.exec("DISCARD ALL");
        restore_session(conn, run_settings(options));
    }
    catch (const SqlError &e)
    {
        throw InputError(fmt::format("cannot apply the run's settings ({}): {}",
                                     settings_text(run_settings(options)), e.what()));
    }
    return fingerprint(conn, options, extension);
}

} // namespace

Environment prepare_session(Connection &conn, const RunOptions &options)
{
    const ExtensionProbe probe(conn, options.extension_note);
    return start_session(conn, options, probe.state());
}

Results run_workloads(Connection &conn, const std::vector<Workload> &workloads, const RunOptions &options,
                      Progress &progress)
{
    ExtensionProbe probe(conn, options.extension_note);
    Results results;
    results.created_at = utc_now();
    results.env = start_session(conn, options, probe.state());
    int index = 0;
    for (const auto &w : workloads)
    {
        progress.scenario(w.name, ++index, static_cast<int>(workloads.size()));
        std::vector<Arm> arms;
        arms.emplace_back(conn, w, probe, options, "run");
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
    ExtensionProbe base_probe(baseline_conn, options.extension_note);
    std::optional<ExtensionProbe> own_probe;
    if (!shared)
        own_probe.emplace(current_conn, options.extension_note);
    ExtensionProbe &cur_probe = shared ? base_probe : *own_probe;
    AbResults ab;
    ab.baseline.created_at = ab.current.created_at = utc_now();
    ab.baseline.env = start_session(baseline_conn, options, base_probe.state());
    ab.current.env = shared ? ab.baseline.env : start_session(current_conn, options, cur_probe.state());
    for (std::size_t i = 0; i < current_workloads.size(); ++i)
    {
        const Workload &b = baseline_workloads[i], &c = current_workloads[i];
        if (b.sizes != c.sizes)
            throw InputError(fmt::format("A/B run: scenario '{}' has other sizes in the baseline", c.name));
        progress.scenario(c.name + " (A/B)", static_cast<int>(i + 1),
                          static_cast<int>(current_workloads.size()));
        std::vector<Arm> arms;
        arms.emplace_back(baseline_conn, b, base_probe, options, "baseline");
        arms.emplace_back(current_conn, c, cur_probe, options, "current");
        run_scenario(arms, options, progress);
        ab.baseline.scenarios.push_back(std::move(arms[0].out));
        ab.current.scenarios.push_back(std::move(arms[1].out));
    }
    progress.clear();
    return ab;
}

} // namespace perfgate
