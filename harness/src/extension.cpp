// Snapshots of pg_perfgate_statements. See extension.hpp.
#include "extension.hpp"

#include "errors.hpp"

#include <set>

#include <fmt/format.h>

namespace perfgate
{

ExtensionProbe::ExtensionProbe(Connection &conn) : conn_(conn)
{
    Result r = conn_.exec("SELECT a.attname FROM pg_attribute a "
                          "WHERE a.attrelid = to_regclass('pg_perfgate_statements') AND a.attnum > 0 "
                          "AND NOT a.attisdropped");
    std::set<std::string> cols;
    for (int i = 0; i < r.rows(); ++i)
        cols.insert(std::string(r.value(i, 0)));
    Result f = conn_.exec("SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'pg_perfgate_reset'), "
                          "to_regclass('pg_perfgate_antipatterns') IS NOT NULL");
    const bool has_reset = f.value(0, 0) == "t";
    has_antipatterns_ = f.value(0, 1) == "t";
    if (cols.empty() || !has_reset || !cols.count("queryid"))
        return;
    available_ = true;

    auto col = [&](const char *name)
    { return cols.count(name) ? fmt::format("coalesce({}, 0)::bigint", name) : std::string("0::bigint"); };
    std::string where = "true";
    if (cols.count("dbid"))
        where += " AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())";
    if (cols.count("toplevel"))
        where += " AND toplevel";
    // The harness's own reads of the extension and its EXPLAINs are not part of any variant.
    if (cols.count("query"))
        where += " AND query NOT LIKE '%pg\\_perfgate%' AND query NOT ILIKE 'EXPLAIN%'";
    snapshot_sql_ = fmt::format("SELECT queryid::text, {}::text, {}, {}, {}, {}, {}, {} "
                                "FROM pg_perfgate_statements WHERE {}",
                                cols.count("planid") ? "planid" : "NULL", col("calls"), col("rows"),
                                col("shared_blks_hit"), col("shared_blks_read"), col("temp_blks_read"),
                                col("temp_blks_written"), where);
}

void ExtensionProbe::reset()
{
    if (available_)
        conn_.exec("SELECT pg_perfgate_reset()");
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
        Result r = conn_.exec("SELECT row_to_json(a)::text FROM pg_perfgate_antipatterns a");
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
