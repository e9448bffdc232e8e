// Snapshots of pg_perfgate_statements. See extension.hpp.
#include "extension.hpp"

#include "errors.hpp"

#include <set>

#include <fmt/format.h>

namespace perfgate
{

ExtensionProbe::ExtensionProbe(Connection &conn) : conn_(conn)
{
    // Every object of the extension is named with its schema: workloads run with perfgate's own
    // schema alone on the search_path (see runner.hpp), where the extension is not.
    Result e = conn_.exec("SELECT quote_ident(n.nspname) FROM pg_extension x "
                          "JOIN pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_perfgate'");
    if (e.rows() == 0)
        return;
    const std::string schema(e.value(0, 0));
    const std::string statements = schema + ".pg_perfgate_statements";
    Result r = conn_.exec("SELECT a.attname FROM pg_attribute a "
                          "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
                          {statements});
    std::set<std::string> cols;
    for (int i = 0; i < r.rows(); ++i)
        cols.insert(std::string(r.value(i, 0)));
    Result f = conn_.exec("SELECT to_regprocedure($1) IS NOT NULL, to_regclass($2) IS NOT NULL",
                          {schema + ".pg_perfgate_reset()", schema + ".pg_perfgate_antipatterns"});
    const bool has_reset = f.value(0, 0) == "t";
    has_antipatterns_ = f.value(0, 1) == "t";
    antipatterns_sql_ = fmt::format("SELECT row_to_json(a)::text FROM {}.pg_perfgate_antipatterns a", schema);
    if (cols.empty() || !has_reset || !cols.count("queryid"))
        return;
    available_ = true;
    reset_sql_ = fmt::format("SELECT {}.pg_perfgate_reset()", schema);

    auto col = [&](const char *name)
    { return cols.count(name) ? fmt::format("coalesce({}, 0)::bigint", name) : std::string("0::bigint"); };
    std::string where = "true";
    if (cols.count("dbid"))
        where += " AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())";
    if (cols.count("toplevel"))
        where += " AND toplevel";
    // The harness's own reads of the extension, its EXPLAINs and their savepoints are not part of any
    // variant.
    if (cols.count("query"))
        where += " AND query NOT LIKE '%pg\\_perfgate%' AND query NOT ILIKE 'EXPLAIN%'";
    snapshot_sql_ = fmt::format("SELECT queryid::text, {}::text, {}, {}, {}, {}, {}, {} "
                                "FROM {} WHERE {}",
                                cols.count("planid") ? "planid" : "NULL", col("calls"), col("rows"),
                                col("shared_blks_hit"), col("shared_blks_read"), col("temp_blks_read"),
                                col("temp_blks_written"), statements, where);
}

void ExtensionProbe::reset()
{
    if (available_)
        conn_.exec(reset_sql_);
}

ExtFigures ExtensionProbe::snapshot()
{
    ExtFigures e;
    if (!available_)
        return e;
    e.present = true;
    Result r = conn_.exec(snapshot_sql_);
    auto num = [&](int row, int c)
    { return r.is_null(row, c) ? 0 : std::stoll(std::string(r.value(row, c))); };
    for (int i = 0; i < r.rows(); ++i)
    {
        const std::string qid(r.value(i, 0));
        e.calls_by_query[qid] += num(i, 2);
        if (!r.is_null(i, 1))
            e.plan_ids.insert(std::string(r.value(i, 1)));
        e.calls += num(i, 2);
        e.rows += num(i, 3);
        e.shared_blks_hit += num(i, 4);
        e.shared_blks_read += num(i, 5);
        e.temp_blks_read += num(i, 6);
        e.temp_blks_written += num(i, 7);
    }
    return e;
}

nlohmann::json ExtensionProbe::antipatterns()
{
    nlohmann::json out = nlohmann::json::array();
    if (!has_antipatterns_)
        return out;
    try
    {
        Result r = conn_.exec(antipatterns_sql_);
        for (int i = 0; i < r.rows(); ++i)
            out.push_back(nlohmann::json::parse(r.value(i, 0)));
    }
    catch (const SqlError &)
    {
        // An extension mid-upgrade may have the view but not its functions; the run does not depend on it.
    }
    return out;
}

} // namespace perfgate
