// perfgate top. See top.hpp.
//
// Every section is one statement over an extension view, each row returned as row_to_json so that
// the server's own types decide what is a number, a text, an array or null. Rank and time share are
// computed again over the rows in scope (the views rank over the whole server), so "rank 1" is the
// busiest statement of what is shown.
#include "top.hpp"

#include "errors.hpp"
#include "extension.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include <fmt/format.h>

namespace perfgate
{
namespace
{

constexpr const char *insufficient_privilege = "<insufficient privilege>";

// Rows of a statement that returns one json text per row.
nlohmann::ordered_json json_rows(Connection &conn, const std::string &sql, const std::vector<Param> &params)
{
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    Result r = conn.exec(sql, params);
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(nlohmann::ordered_json::parse(r.value(i, 0)));
    return out;
}

// The schema the extension lives in, quoted, once the harness's one contract check (extension.hpp)
// passed; InputError with its reason otherwise (not installed here, not preloaded, too old, ...).
std::string extension_schema(Connection &conn)
{
    const ExtensionProbe probe(conn);
    if (!probe.available())
        throw InputError(probe.state().reason);
    return probe.state().schema;
}

// $1: every database, else the connected one.
const char *const database_filter = "($1::bool OR dbid = (SELECT oid FROM pg_catalog.pg_database "
                                    "WHERE datname = pg_catalog.current_database()))";

nlohmann::ordered_json read_server(Connection &conn, const std::string &schema)
{
    nlohmann::ordered_json server;
    try
    {
        Result r = conn.exec(fmt::format("SELECT row_to_json(i)::text FROM (SELECT entries, max, evictions, "
                                         "stats_reset FROM {}.pg_perfgate_info) i",
                                         schema));
        server = nlohmann::ordered_json::parse(r.value(0, 0));
    }
    catch (const SqlError &e)
    {
        // Installed with CREATE EXTENSION but not preloaded: every view raises this.
        if (std::string_view(e.what()).find("shared_preload_libraries") == std::string_view::npos)
            throw;
        throw SqlError(
            fmt::format("pg_perfgate is installed in database \"{}\" but the server has not loaded "
                        "it: add pg_perfgate to shared_preload_libraries in postgresql.conf and "
                        "restart the server",
                        conn.database()),
            e.sqlstate());
    }
    server["version"] = conn.server_parameter("server_version");
    server["version_num"] = conn.server_version();
    return server;
}

nlohmann::ordered_json read_hot_queries(Connection &conn, const std::string &schema, const TopOptions &o,
                                        std::int64_t &in_scope_total)
{
    // Nested statements' time is also inside their callers': shares are within each level.
    const std::string sql = fmt::format(
        "SELECT row_to_json(t)::text FROM ("
        "SELECT rank() OVER (ORDER BY total_exec_time DESC) AS rank, datname, toplevel, queryid, queryids, "
        "variants, calls, total_exec_time, "
        "round((100 * total_exec_time / nullif(sum(total_exec_time) OVER (PARTITION BY toplevel), 0))"
        "::numeric, 2) AS time_share_pct, "
        "mean_exec_time, p95_exec_time, rows_per_call, plan_count, errors, "
        "coalesce(antipatterns, '{{}}') AS antipatterns, coalesce(parent_of, '{{}}') AS parent_of, "
        "muted_findings, query, count(*) OVER () AS in_scope "
        "FROM {}.pg_perfgate_hot_queries WHERE {} AND ($2::bool OR toplevel) "
        "ORDER BY total_exec_time DESC, calls DESC, queryid LIMIT $3::int) t",
        schema, database_filter);
    nlohmann::ordered_json rows =
        json_rows(conn, sql,
                  {o.all_databases ? "true" : "false", o.nested ? "true" : "false", std::to_string(o.limit)});
    in_scope_total = 0;
    for (auto &row : rows)
    {
        in_scope_total = row.value("in_scope", std::int64_t{0});
        row.erase("in_scope");
    }
    return rows;
}

// One row per query with two or more plans: the plan seen last against the fastest one. The view
// shows only queries whose id the role may see; a NULL id could not be told apart from another, so
// the filter states that this grouping needs one.
nlohmann::ordered_json read_plan_changes(Connection &conn, const std::string &schema, const TopOptions &o)
{
    const std::string sql = fmt::format(
        "SELECT row_to_json(t)::text FROM ("
        "SELECT d.datname, c.queryid, count(*) AS plans, sum(c.calls) AS calls, "
        "(array_agg(c.planid ORDER BY c.last_seen DESC))[1] AS latest_planid, "
        "(array_agg(c.slowdown_vs_best ORDER BY c.last_seen DESC))[1] AS latest_slowdown_vs_best, "
        "(array_agg(c.mean_exec_time ORDER BY c.last_seen DESC))[1] AS latest_mean_exec_time, "
        "min(c.mean_exec_time) FILTER (WHERE c.calls > 0) AS best_mean_exec_time, "
        "max(c.last_seen) AS last_seen, min(c.query) AS query "
        "FROM {}.pg_perfgate_plan_changes c LEFT JOIN pg_catalog.pg_database d ON d.oid = c.dbid "
        "WHERE c.queryid IS NOT NULL AND {} "
        "GROUP BY d.datname, c.dbid, c.queryid "
        "ORDER BY latest_slowdown_vs_best DESC NULLS LAST, calls DESC, c.queryid LIMIT $2::int) t",
        schema, database_filter);
    return json_rows(conn, sql, {o.all_databases ? "true" : "false", std::to_string(o.limit)});
}

nlohmann::ordered_json read_antipatterns(Connection &conn, const std::string &schema, const TopOptions &o)
{
    const std::string sql = fmt::format(
        "SELECT row_to_json(t)::text FROM ("
        "SELECT kind, datname, queryid, related_queryid, related_rows, occurrences, calls, total_time, "
        "largest, rows_discarded, detail, advice, query, first_seen, last_seen "
        "FROM {}.pg_perfgate_antipatterns WHERE {} "
        "ORDER BY total_time DESC NULLS LAST, occurrences DESC, kind, queryid LIMIT $2::int) t",
        schema, database_filter);
    return json_rows(conn, sql, {o.all_databases ? "true" : "false", std::to_string(o.limit)});
}

// Findings a DBA accepted (pg_perfgate_mute): left out of the list, counted.
std::int64_t read_muted_count(Connection &conn, const std::string &schema, const TopOptions &o)
{
    const std::string sql = fmt::format(
        "SELECT row_to_json(t)::text FROM (SELECT count(*) AS muted FROM {}.pg_perfgate_antipatterns_all "
        "WHERE muted AND {}) t",
        schema, database_filter);
    const nlohmann::ordered_json rows = json_rows(conn, sql, {o.all_databases ? "true" : "false"});
    return rows.empty() ? 0 : rows[0].value("muted", std::int64_t{0});
}

// --- text -----------------------------------------------------------------------------------------

std::size_t code_points(std::string_view s)
{
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad(const std::string &s, std::size_t width, bool left)
{
    const std::size_t n = code_points(s);
    if (n >= width)
        return s;
    return left ? s + std::string(width - n, ' ') : std::string(width - n, ' ') + s;
}

std::string text_of(const nlohmann::ordered_json &row, const char *key)
{
    const auto it = row.find(key);
    if (it == row.end() || it->is_null())
        return "-";
    if (it->is_string())
        return it->get<std::string>();
    return it->dump();
}

std::string fixed(const nlohmann::ordered_json &row, const char *key, int decimals)
{
    const auto it = row.find(key);
    if (it == row.end() || !it->is_number())
        return "-";
    return fmt::format("{:.{}f}", it->get<double>(), decimals);
}

std::string query_of(const nlohmann::ordered_json &row)
{
    const auto it = row.find("query");
    return it == row.end() || it->is_null() ? insufficient_privilege : it->get<std::string>();
}

// "2026-11-30T00:12:01.123456+00:00" as "2026-11-30 00:12:01+00:00".
std::string short_time(const nlohmann::ordered_json &value)
{
    if (!value.is_string())
        return "never";
    std::string s = value.get<std::string>();
    if (s.size() > 10 && s[10] == 'T')
        s[10] = ' ';
    const auto dot = s.find('.', 19);
    if (dot != std::string::npos)
    {
        auto end = dot + 1;
        while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end])))
            ++end;
        s.erase(dot, end - dot);
    }
    return s;
}

struct Column
{
    std::string header;
    bool left = false;
    bool shrink = false; // cut, down to its header's width, to leave the last column its share
};

// Columns padded to their widest cell; the last one takes what is left of `width` (0: no limit).
std::string table(const std::vector<Column> &columns, std::vector<std::vector<std::string>> rows,
                  std::size_t width)
{
    std::vector<std::size_t> widths;
    for (const auto &c : columns)
        widths.push_back(code_points(c.header));
    for (const auto &row : rows)
        for (std::size_t i = 0; i + 1 < row.size(); ++i)
            widths[i] = std::max(widths[i], code_points(row[i]));
    std::size_t used = 0;
    for (std::size_t i = 0; i + 1 < columns.size(); ++i)
        used += widths[i] + 2;
    // The last column is the query: it gets two fifths of the width before a shrinkable column grows.
    const std::size_t min_last_width = std::max<std::size_t>(30, width * 2 / 5);
    for (std::size_t i = 0; width > 0 && i + 1 < columns.size(); ++i)
        if (columns[i].shrink && used + min_last_width > width)
        {
            const std::size_t cut =
                std::min(used + min_last_width - width, widths[i] - code_points(columns[i].header));
            widths[i] -= cut;
            used -= cut;
            for (auto &row : rows)
                row[i] = one_line(row[i], widths[i]);
        }
    const std::size_t last = width == 0 ? 0 : std::max<std::size_t>(30, width > used ? width - used : 0);
    const auto line = [&](const std::vector<std::string> &cells)
    {
        std::string out;
        for (std::size_t i = 0; i + 1 < cells.size(); ++i)
            out += pad(cells[i], widths[i], columns[i].left) + "  ";
        return out + one_line(cells.back(), last) + "\n";
    };
    std::vector<std::string> headers;
    for (const auto &c : columns)
        headers.push_back(c.header);
    std::string out = line(headers);
    for (const auto &row : rows)
        out += line(row);
    return out;
}

std::string hot_section(const nlohmann::ordered_json &top, const TopOptions &o, std::size_t width)
{
    const auto &rows = top["hot_queries"];
    std::string out = fmt::format("Hot queries: {} by total execution time, {} of {}\n",
                                  o.nested ? "all statements" : "top-level statements", rows.size(),
                                  top.value("hot_queries_in_scope", std::int64_t{0}));
    if (rows.empty())
        return out + "no hot queries recorded\n";
    std::vector<Column> columns = {
        {"rank"},       {"calls"},     {"total ms"}, {"share %"}, {"mean ms"},
        {"p95 ms"},     {"rows/call"}, {"plans"},    {"errors"},  {"anti-patterns", true, true},
        {"query", true}};
    if (o.all_databases)
        columns.insert(columns.begin() + 1, {"database", true});
    if (o.nested)
        columns.insert(columns.end() - 1, {"level", true});
    std::vector<std::vector<std::string>> cells;
    for (const auto &r : rows)
    {
        // Findings about the statement itself; a loop it drove is the loop's, shown as its parent's.
        std::vector<std::string> kinds;
        for (const auto &k : r.value("antipatterns", nlohmann::ordered_json::array()))
            kinds.push_back(k.get<std::string>());
        for (const auto &k : r.value("parent_of", nlohmann::ordered_json::array()))
            kinds.push_back("parent of " + k.get<std::string>());
        const std::int64_t muted = r.value("muted_findings", std::int64_t{0});
        if (muted > 0)
            kinds.push_back(fmt::format("{} muted", muted));
        std::vector<std::string> c = {text_of(r, "rank"),
                                      text_of(r, "calls"),
                                      fixed(r, "total_exec_time", 2),
                                      fixed(r, "time_share_pct", 1),
                                      fixed(r, "mean_exec_time", 3),
                                      fixed(r, "p95_exec_time", 3),
                                      fixed(r, "rows_per_call", 1),
                                      text_of(r, "plan_count"),
                                      text_of(r, "errors"),
                                      kinds.empty() ? "-" : fmt::format("{}", fmt::join(kinds, ",")),
                                      query_of(r)};
        if (o.all_databases)
            c.insert(c.begin() + 1, text_of(r, "datname"));
        if (o.nested)
            c.insert(c.end() - 1, r.value("toplevel", true) ? "top" : "nested");
        cells.push_back(std::move(c));
    }
    return out + table(columns, cells, width);
}

std::string plan_changes_section(const nlohmann::ordered_json &top, const TopOptions &o, std::size_t width)
{
    const auto &rows = top["plan_changes"];
    std::string out = "Plan changes: queries run with two or more plans, the latest plan's mean time "
                      "against the best plan's\n";
    if (rows.empty())
        return out + "no plan changes recorded\n";
    std::vector<Column> columns = {{"query id"}, {"plans"}, {"latest/best"}, {"calls"}, {"query", true}};
    if (o.all_databases)
        columns.insert(columns.begin(), {"database", true});
    std::vector<std::vector<std::string>> cells;
    for (const auto &r : rows)
    {
        const std::string slowdown = fixed(r, "latest_slowdown_vs_best", 2);
        std::vector<std::string> c = {text_of(r, "queryid"), text_of(r, "plans"),
                                      slowdown == "-" ? slowdown : slowdown + "x", text_of(r, "calls"),
                                      query_of(r)};
        if (o.all_databases)
            c.insert(c.begin(), text_of(r, "datname"));
        cells.push_back(std::move(c));
    }
    return out + table(columns, cells, width);
}

// Detail and advice are sentences: each on a line of its own under its finding, cut to fit.
std::string antipatterns_section(const nlohmann::ordered_json &top, const TopOptions &o, std::size_t width)
{
    const auto &rows = top["antipatterns"];
    const std::int64_t muted = top.value("antipatterns_muted", std::int64_t{0});
    std::string out = "Anti-patterns: what the detectors found, by time spent";
    out += muted > 0 ? fmt::format("; {} accepted and muted (pg_perfgate_mutes)\n", muted) : "\n";
    if (rows.empty())
        return out + "no anti-patterns recorded\n";
    std::vector<Column> columns = {{"kind", true}, {"query id"}, {"occurrences"}, {"calls"}, {"query", true}};
    if (o.all_databases)
        columns.insert(columns.begin() + 1, {"database", true});
    std::vector<std::vector<std::string>> cells;
    for (const auto &r : rows)
    {
        std::vector<std::string> c = {text_of(r, "kind"), text_of(r, "queryid"), text_of(r, "occurrences"),
                                      text_of(r, "calls"), query_of(r)};
        if (o.all_databases)
            c.insert(c.begin() + 1, text_of(r, "datname"));
        cells.push_back(std::move(c));
    }
    // The table, with each finding's detail and advice under its row.
    const std::string rendered = table(columns, cells, width);
    std::size_t at = rendered.find('\n') + 1;
    out += rendered.substr(0, at);
    const std::size_t indent_width = width == 0 ? 0 : std::max<std::size_t>(width, 24) - 4;
    for (const auto &r : rows)
    {
        const std::size_t end = rendered.find('\n', at) + 1;
        out += rendered.substr(at, end - at);
        at = end;
        for (const char *key : {"detail", "advice"})
            if (r.contains(key) && r[key].is_string())
                out += "    " +
                       one_line(fmt::format("{}: {}", key, r[key].get<std::string>()), indent_width) + "\n";
    }
    return out;
}

} // namespace

std::string top_schema(Connection &conn)
{
    const std::string schema = extension_schema(conn);
    read_server(conn, schema); // the loaded-library check, with its message
    return schema;
}

std::unique_ptr<Connection> connect_for_top(const std::string &conninfo)
{
    auto conn = std::make_unique<Connection>(conninfo);
    if (conn->server_parameter("is_superuser") != "on")
        return conn;
    // Set at connection start: a SET would itself be recorded. PGOPTIONS or options= are kept.
    std::string options = conn->option("options");
    options += (options.empty() ? "" : " ") + std::string("-c pg_perfgate.track=none");
    return std::make_unique<Connection>(conninfo_with(conninfo, {{"options", options}}));
}

nlohmann::ordered_json read_top(Connection &conn, const TopOptions &options)
{
    const std::string schema = extension_schema(conn);
    nlohmann::ordered_json top;
    top["server"] = read_server(conn, schema);
    top["database"] = conn.database();
    std::int64_t hot_total = 0;
    top["hot_queries"] = read_hot_queries(conn, schema, options, hot_total);
    top["hot_queries_in_scope"] = hot_total;
    top["plan_changes"] = read_plan_changes(conn, schema, options);
    top["antipatterns"] = read_antipatterns(conn, schema, options);
    top["antipatterns_muted"] = read_muted_count(conn, schema, options);
    return top;
}

std::string render_top_text(const nlohmann::ordered_json &top, const TopOptions &options, std::size_t width)
{
    const auto &server = top["server"];
    const std::string version = server.value("version", std::string("?"));
    std::string out = fmt::format(
        "pg_perfgate top: PostgreSQL {}, database {}{}, {}/{} entries, stats since {}\n\n",
        version.substr(0, version.find(' ')), top.value("database", std::string("?")),
        options.all_databases ? " (showing all databases)" : "", text_of(server, "entries"),
        text_of(server, "max"), short_time(server.value("stats_reset", nlohmann::ordered_json())));
    out += hot_section(top, options, width) + "\n";
    out += plan_changes_section(top, options, width) + "\n";
    out += antipatterns_section(top, options, width);
    return out;
}

std::string one_line(std::string_view text, std::size_t width)
{
    std::string flat;
    bool space = false;
    for (const char c : text)
    {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
        {
            space = !flat.empty();
            continue;
        }
        if (space)
            flat += ' ';
        space = false;
        flat += c;
    }
    if (code_points(flat) <= width || width == 0)
        return flat;
    // Keep width - 1 code points and the ellipsis, never cutting a UTF-8 sequence.
    std::size_t kept = 0, i = 0;
    for (; i < flat.size(); ++i)
        if ((static_cast<unsigned char>(flat[i]) & 0xC0) != 0x80 && kept++ == width - 1)
            break;
    return flat.substr(0, i) + "…";
}

} // namespace perfgate
