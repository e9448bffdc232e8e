// The harness <-> extension contract and the reads around each variant. See extension.hpp.
#include "extension.hpp"

#include "errors.hpp"

#include <set>

#include <fmt/format.h>

namespace perfgate
{

const std::vector<ContractView> &extension_contract()
{
    static const std::vector<ContractView> views = {
        {"pg_perfgate_statements",
         {"userid", "dbid", "toplevel", "queryid", "planid", "query", "calls", "rows", "shared_blks_hit",
          "shared_blks_read", "temp_blks_read", "temp_blks_written", "total_exec_time"}},
        {"pg_perfgate_plans", {"dbid", "queryid", "planid", "plan"}},
        {"pg_perfgate_antipatterns",
         {"kind", "dbid", "datname", "userid", "queryid", "query", "related_queryid", "related_rows",
          "occurrences", "calls", "total_time", "largest", "rows_discarded", "detail", "advice", "first_seen",
          "last_seen"}},
        // perfgate top
        {"pg_perfgate_hot_queries",
         {"dbid", "datname", "toplevel", "queryid", "queryids", "variants", "calls", "total_exec_time",
          "mean_exec_time", "p95_exec_time", "rows_per_call", "plan_count", "errors", "antipatterns",
          "parent_of", "muted_findings", "query"}},
        {"pg_perfgate_antipatterns_all", {"dbid", "muted"}},
        {"pg_perfgate_plan_changes",
         {"dbid", "queryid", "planid", "calls", "mean_exec_time", "slowdown_vs_best", "last_seen", "query"}},
        {"pg_perfgate_info", {"entries", "max", "evictions", "stats_reset"}},
        // perfgate capture: a function, its output columns (a name ending in "()")
        {"pg_perfgate_param_samples()",
         {"userid", "dbid", "queryid", "planid", "toplevel", "executions", "not_kept", "sample", "param",
          "kind", "paramtype", "value"}},
    };
    return views;
}

namespace
{

// The harness's own reads of the extension, its EXPLAINs and their savepoints are no variant's.
constexpr const char *own_statements = "query NOT LIKE '%pg\\_perfgate%' AND query NOT ILIKE 'EXPLAIN%'";

std::string this_database(Connection &conn)
{
    return conn.database();
}

} // namespace

ExtensionProbe::ExtensionProbe(Connection &conn, const std::string &embedded_note) : conn_(conn)
{
    try
    {
        check(embedded_note);
    }
    catch (const SqlError &e)
    {
        // A read the contract promised failed on this server: that is the reason, not a crash.
        unusable(fmt::format("reading it failed: {}", e.what()));
    }
}

void ExtensionProbe::unusable(std::string reason)
{
    state_.use = ExtensionState::Use::unusable;
    state_.reason = std::move(reason);
}

void ExtensionProbe::check(const std::string &embedded_note)
{
    const std::string db = this_database(conn_);
    // A real (postmaster-context) pg_perfgate.max exists only where the library was preloaded; a
    // placeholder of the same name (a setting in postgresql.conf without the library) is user-context.
    Result where = conn_.exec(
        "SELECT (SELECT quote_ident(n.nspname) FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n "
        "          ON n.oid = x.extnamespace WHERE x.extname = 'pg_perfgate'), "
        "       (SELECT x.extversion FROM pg_catalog.pg_extension x WHERE x.extname = 'pg_perfgate'), "
        "       EXISTS (SELECT FROM pg_catalog.pg_settings WHERE name = 'pg_perfgate.max' "
        "               AND context = 'postmaster'), "
        "       EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'pg_perfgate'), "
        "       current_user");
    const bool created = !where.is_null(0, 0);
    const bool preloaded = where.value(0, 2) == "t";
    const bool on_server = where.value(0, 3) == "t";
    const std::string role(where.value(0, 4));
    if (!created)
    {
        if (preloaded)
            unusable(
                fmt::format("pg_perfgate is not installed in database \"{}\": run CREATE EXTENSION "
                            "pg_perfgate there (the server preloads it), or give perfgate a database that "
                            "has it",
                            db));
        else if (!embedded_note.empty())
            unusable(embedded_note);
        else
        {
            state_.use = ExtensionState::Use::absent;
            state_.reason = on_server
                                ? fmt::format("pg_perfgate is not installed in database \"{}\" (CREATE "
                                              "EXTENSION pg_perfgate) and the server does not preload it "
                                              "(shared_preload_libraries)",
                                              db)
                                : "pg_perfgate is not installed on this server";
        }
        return;
    }
    state_.schema = std::string(where.value(0, 0));
    state_.version = std::string(where.value(0, 1));
    const std::string &schema = state_.schema;
    if (!preloaded)
    {
        unusable(
            fmt::format("pg_perfgate is installed in database \"{}\" but the server has not loaded it: add "
                        "pg_perfgate to shared_preload_libraries in postgresql.conf and restart the server",
                        db));
        return;
    }

    Result api =
        conn_.exec("SELECT to_regprocedure($1) IS NOT NULL", {schema + ".pg_perfgate_api_version()"});
    if (api.value(0, 0) != "t")
    {
        unusable(fmt::format(
            "the pg_perfgate objects in database \"{}\" (version {}) are older than this perfgate: "
            "they have no pg_perfgate_api_version(); run ALTER EXTENSION pg_perfgate UPDATE, or "
            "DROP and CREATE EXTENSION pg_perfgate after installing the new build",
            db, state_.version));
        return;
    }
    state_.api_version = std::stoi(
        std::string(conn_.exec(fmt::format("SELECT {}.pg_perfgate_api_version()", schema)).value(0, 0)));
    if (state_.api_version < extension_api_required)
    {
        unusable(fmt::format(
            "the pg_perfgate objects in database \"{}\" offer API {}, this perfgate reads API {}: "
            "run ALTER EXTENSION pg_perfgate UPDATE",
            db, state_.api_version, extension_api_required));
        return;
    }

    // Every view and column the harness reads, and the right to read it; all that is missing, at once.
    std::vector<std::string> missing;
    for (const ContractView &v : extension_contract())
    {
        const std::string name = schema + "." + v.view;
        const bool function = std::string_view(v.view).ends_with("()");
        // A function's output columns are its OUT arguments.
        Result r =
            function
                ? conn_.exec("SELECT n, has_function_privilege(p.oid, 'EXECUTE') FROM pg_catalog.pg_proc p, "
                             "unnest(p.proargnames) n WHERE p.oid = to_regprocedure($1)",
                             {name})
                : conn_.exec(
                      "SELECT a.attname, has_table_privilege(c.oid, 'SELECT') FROM pg_catalog.pg_class c "
                      "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
                      "AND NOT a.attisdropped WHERE c.oid = to_regclass($1)",
                      {name});
        if (r.rows() == 0)
        {
            missing.push_back(fmt::format("{} {} is missing", function ? "function" : "view", v.view));
            continue;
        }
        if (r.value(0, 1) != "t")
            missing.push_back(fmt::format("role \"{}\" may not read {}", role, v.view));
        std::set<std::string> have;
        for (int i = 0; i < r.rows(); ++i)
            have.emplace(r.value(i, 0));
        std::vector<std::string> lacks;
        for (const char *c : v.columns)
            if (!have.count(c))
                lacks.emplace_back(c);
        if (!lacks.empty())
            missing.push_back(fmt::format("{} has no column {}", v.view, fmt::join(lacks, ", ")));
    }
    if (!missing.empty())
    {
        unusable(
            fmt::format("the pg_perfgate objects in database \"{}\" do not offer what API {} promises: {}",
                        db, state_.api_version, fmt::join(missing, "; ")));
        return;
    }

    const std::string scope =
        "dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())";
    snapshot_sql_ =
        fmt::format("SELECT queryid::text, planid::text, calls, rows, shared_blks_hit, shared_blks_read, "
                    "temp_blks_read, temp_blks_written FROM {}.pg_perfgate_statements "
                    "WHERE {} AND toplevel AND userid = (SELECT oid FROM pg_catalog.pg_roles "
                    "WHERE rolname = current_user) AND {}",
                    schema, scope, own_statements);
    texts_sql_ = fmt::format("SELECT s.queryid::text, s.planid::text, s.query, p.plan "
                             "FROM {0}.pg_perfgate_statements s LEFT JOIN {0}.pg_perfgate_plans p "
                             "ON p.dbid = s.dbid AND p.queryid = s.queryid AND p.planid = s.planid "
                             "WHERE s.{1} AND s.toplevel AND s.queryid = ANY($1::bigint[])",
                             schema, scope);
    antipatterns_sql_ = fmt::format(
        "SELECT row_to_json(a)::text FROM {}.pg_perfgate_antipatterns a WHERE a.{}", schema, scope);
    details_sql_ =
        fmt::format("SELECT a.detail FROM {}.pg_perfgate_antipatterns a WHERE a.{} AND a.kind = $1 "
                    "AND a.last_seen >= $2::timestamptz AND a.detail IS NOT NULL",
                    schema, scope);
    // The reads themselves, once: a server that cannot answer them is said now, not mid-run.
    conn_.exec(fmt::format("SELECT entries FROM {}.pg_perfgate_info", schema));
    conn_.exec(snapshot_sql_ + " LIMIT 0");
    conn_.exec(antipatterns_sql_ + " LIMIT 0");
    conn_.exec(details_sql_ + " LIMIT 0", {std::string("connection_per_request"), std::string("now")});
    state_.use = ExtensionState::Use::in_use;
}

ExtensionProbe::Snapshot ExtensionProbe::snapshot()
{
    Snapshot out;
    if (!available())
        return out;
    Result r = conn_.exec(snapshot_sql_);
    auto num = [&](int row, int c)
    { return r.is_null(row, c) ? 0 : std::stoll(std::string(r.value(row, c))); };
    for (int i = 0; i < r.rows(); ++i)
    {
        ExtStatement st;
        st.queryid = std::string(r.value(i, 0));
        st.planid = r.is_null(i, 1) ? "0" : std::string(r.value(i, 1));
        st.calls = num(i, 2);
        st.rows = num(i, 3);
        st.shared_blks_hit = num(i, 4);
        st.shared_blks_read = num(i, 5);
        st.temp_blks_read = num(i, 6);
        st.temp_blks_written = num(i, 7);
        ExtStatement &slot = out[st.queryid + "/" + st.planid];
        // A role's rows of one (query id, plan id) are one statement here (toplevel only).
        slot.queryid = st.queryid;
        slot.planid = st.planid;
        slot.calls += st.calls;
        slot.rows += st.rows;
        slot.shared_blks_hit += st.shared_blks_hit;
        slot.shared_blks_read += st.shared_blks_read;
        slot.temp_blks_read += st.temp_blks_read;
        slot.temp_blks_written += st.temp_blks_written;
    }
    return out;
}

ExtFigures ExtensionProbe::since(const Snapshot &before, const std::set<std::string> &queryids,
                                 const std::set<std::string> &texts)
{
    ExtFigures e;
    if (!available())
        return e;
    e.present = true;
    std::vector<ExtStatement> ran;
    std::vector<std::string> ids;
    for (const auto &[key, now] : snapshot())
    {
        ExtStatement d = now;
        const auto was = before.find(key);
        // An entry evicted and recorded anew since `before` counts from zero.
        if (was != before.end() && was->second.calls <= now.calls)
        {
            d.calls -= was->second.calls;
            d.rows -= was->second.rows;
            d.shared_blks_hit -= was->second.shared_blks_hit;
            d.shared_blks_read -= was->second.shared_blks_read;
            d.temp_blks_read -= was->second.temp_blks_read;
            d.temp_blks_written -= was->second.temp_blks_written;
        }
        if (d.calls <= 0)
            continue;
        ids.push_back(d.queryid);
        ran.push_back(std::move(d));
    }
    if (ran.empty())
        return e;
    Result t = conn_.exec(texts_sql_, {fmt::format("{{{}}}", fmt::join(ids, ","))});
    for (int i = 0; i < t.rows(); ++i)
        for (auto &st : ran)
            if (st.queryid == t.value(i, 0) && st.planid == (t.is_null(i, 1) ? "0" : t.value(i, 1)))
            {
                if (!t.is_null(i, 2))
                    st.query = std::string(t.value(i, 2));
                if (!t.is_null(i, 3))
                    st.plan = std::string(t.value(i, 3));
            }
    const bool filter = !queryids.empty() || !texts.empty();
    for (auto &d : ran)
    {
        if (filter && !queryids.count(d.queryid) && !texts.count(d.query))
            continue;
        e.calls_by_query[d.queryid] += d.calls;
        if (d.planid != "0")
            e.plan_ids.insert(d.planid);
        e.calls += d.calls;
        e.rows += d.rows;
        e.shared_blks_hit += d.shared_blks_hit;
        e.shared_blks_read += d.shared_blks_read;
        e.temp_blks_read += d.temp_blks_read;
        e.temp_blks_written += d.temp_blks_written;
        e.statements.push_back(std::move(d));
    }
    return e;
}

nlohmann::json ExtensionProbe::antipatterns()
{
    nlohmann::json out = nlohmann::json::array();
    if (!available())
        return out;
    Result r = conn_.exec(antipatterns_sql_);
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(nlohmann::json::parse(r.value(i, 0)));
    return out;
}

std::set<std::string> ExtensionProbe::details_since(const std::string &kind, const std::string &since)
{
    std::set<std::string> out;
    if (!available())
        return out;
    Result r = conn_.exec(details_sql_, {kind, since});
    for (int i = 0; i < r.rows(); ++i)
        out.emplace(r.value(i, 0));
    return out;
}

} // namespace perfgate
