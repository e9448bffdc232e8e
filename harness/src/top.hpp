// `perfgate top`: the first view a DBA opens — a server's hot queries, plan changes and anti-patterns,
// read from the extension's views and shown as aligned text or as one JSON document.
// The document read_top() returns is the single source of both outputs: numbers stay numbers and a
// value the server did not give (a text another role's, a slowdown with no calls) stays null.
// Query texts the connected role may not see are null in JSON and "<insufficient privilege>" in text,
// as in pg_stat_statements.
#pragma once

#include "pg.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace perfgate
{

// The key `top -i` sorts by (top_interval.hpp).
enum class TopSort
{
    time,
    calls,
    rows,
    io,
    temp,
    errors
};

struct TopOptions
{
    int limit = 20;             // rows per section
    bool nested = false;        // also statements run inside functions (pg_perfgate.track = all)
    bool all_databases = false; // every database of the server, not only the connected one
    // top -i (top_interval.hpp)
    double interval = 0;          // seconds between refreshes; 0: one snapshot of the totals
    int count = 0;                // intervals to show before exiting (0: until q or Ctrl-C)
    TopSort sort = TopSort::time; // the first sort key
    std::size_t width = 0;        // columns of the output when it is not a terminal (0: whole texts)
};

// A connection for read_top(). A superuser's session starts with pg_perfgate.track = none, so that
// reading the views adds no statement of perfgate's own to what it shows (only a superuser may).
std::unique_ptr<Connection> connect_for_top(const std::string &conninfo);

// {server, database, hot_queries, plan_changes, antipatterns}. Throws InputError when the extension is
// not installed in the connected database and SqlError naming shared_preload_libraries when it is
// installed but the server did not load it.
nlohmann::ordered_json read_top(Connection &conn, const TopOptions &options);

// The quoted schema pg_perfgate is installed in; InputError when it is not installed in this database,
// SqlError naming shared_preload_libraries when the server did not load it.
std::string top_schema(Connection &conn);

// Aligned sections for a terminal `width` columns wide, query texts cut to fit (0: never cut).
std::string render_top_text(const nlohmann::ordered_json &top, const TopOptions &options, std::size_t width);

// `text` on one line: runs of whitespace become one space, and a text longer than `width` code points
// ends in "…" at exactly `width` (0: no limit).
std::string one_line(std::string_view text, std::size_t width);

} // namespace perfgate
