// perfgate capture's tables and generated data. See capture_data.hpp.
#include "capture_data.hpp"

#include "errors.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

#include <fmt/format.h>

namespace perfgate
{

std::vector<std::string> parse_array_literal(const std::string &text)
{
    std::vector<std::string> out;
    if (text.size() < 2 || text.front() != '{' || text.back() != '}')
        return out;
    std::size_t i = 1;
    const std::size_t end = text.size() - 1;
    while (i < end)
    {
        std::string v;
        bool quoted = false;
        if (text[i] == '"')
        {
            quoted = true;
            for (++i; i < end && text[i] != '"'; ++i)
            {
                if (text[i] == '\\' && i + 1 < end)
                    ++i;
                v += text[i];
            }
            ++i; // the closing quote
        }
        else
            for (; i < end && text[i] != ','; ++i)
                v += text[i];
        if (quoted || v != "NULL")
            out.push_back(v);
        if (i < end && text[i] == ',')
            ++i;
    }
    return out;
}

namespace
{

std::string array_text(const std::vector<double> &v)
{
    std::string s = "{";
    for (std::size_t i = 0; i < v.size(); ++i)
        s += (i ? "," : "") + fmt::format("{:.9g}", v[i]);
    return s + "}";
}

struct Column
{
    std::string name; // quoted
    std::string raw;  // as in the catalogs
    std::string type; // format_type
    std::string typname;
    std::string category;
    bool not_null = false;
    std::string default_expr;
    char identity = 0; // 'a', 'd' or 0
    bool generated = false;
    bool unique = false;
    bool has_stats = false;
    ColumnStats stats;
};

// A value of the column's type when pg_stats says nothing about it (never analyzed, or no MCVs and
// no histogram: nearly all distinct). Empty when the type has no generator here.
std::string any_value(const Column &c)
{
    const std::string &t = c.typname;
    if (t == "int2" || t == "int4" || t == "int8" || t == "oid")
        return fmt::format("(random() * 1000)::bigint::{}", c.type);
    if (c.category == "N")
        return fmt::format("round((random() * 1000)::numeric, 2)::{}", c.type);
    if (c.category == "S")
        return fmt::format("md5(random()::text)::{}", c.type);
    if (c.category == "B")
        return "random() < 0.5";
    if (c.category == "D")
        return fmt::format("(timestamp '2020-01-01' + random() * interval '365 days')::{}", c.type);
    if (t == "uuid")
        return "md5(random()::text)::uuid";
    if (t == "json" || t == "jsonb")
        return fmt::format("'{{}}'::{}", c.type);
    return "";
}

// Distinct values for a unique column, numbered by g.
std::string unique_value(const Column &c)
{
    const std::string &t = c.typname;
    if (t == "int2" || t == "int4" || t == "int8" || t == "oid" || c.category == "N")
        return fmt::format("g::{}", c.type);
    if (c.category == "S")
        return fmt::format("('v' || g)::{}", c.type);
    if (c.category == "D")
        return fmt::format("(timestamp '2000-01-01' + g * interval '1 second')::{}", c.type);
    if (t == "uuid")
        return "md5(g::text)::uuid";
    return "";
}

} // namespace

DataPlan plan_tables(Connection &conn, const std::set<std::pair<std::string, std::string>> &tables,
                     double scale, bool redact)
{
    (void)redact;
    DataPlan plan;
    std::set<std::string> schemas;
    for (const auto &t : tables)
        schemas.insert(quote_ident(t.first));
    std::string path;
    for (const std::string &s : schemas)
        path += (path.empty() ? "" : ", ") + s;
    conn.exec("SELECT pg_catalog.set_config('search_path', $1, true)", {path.empty() ? "pg_catalog" : path});

    std::vector<DataStep> types, ddl, fill, after;
    std::set<std::string> types_done;
    for (const auto &[schema, table] : tables)
    {
        const std::string qualified = quote_ident(schema) + "." + quote_ident(table);
        const std::string qt = quote_ident(table);
        Result cols = conn.exec(
            "SELECT quote_ident(a.attname), pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
            "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text, "
            "t.typtype::text, t.typname, t.typcategory::text, t.oid::text, a.attname, "
            "n.nspname IN ('pg_catalog', 'information_schema') "
            "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
            "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
            "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            {qualified});
        Result kind = conn.exec("SELECT relkind::text, reltuples::float8 FROM pg_catalog.pg_class "
                                "WHERE oid = $1::regclass",
                                {qualified});
        if (kind.value(0, 0) != "r")
        {
            plan.unsupported[table] = fmt::format("it is not a plain table (relkind {})", kind.value(0, 0));
            continue;
        }
        const double reltuples = std::stod(std::string(kind.value(0, 1)));
        std::vector<Column> columns;
        std::string why;
        for (int i = 0; i < cols.rows() && why.empty(); ++i)
        {
            Column c;
            c.name = std::string(cols.value(i, 0));
            c.type = std::string(cols.value(i, 1));
            c.not_null = cols.value(i, 2) == "t";
            if (!cols.is_null(i, 3))
                c.default_expr = std::string(cols.value(i, 3));
            c.identity = cols.value(i, 4).empty() ? 0 : cols.value(i, 4)[0];
            c.generated = !cols.value(i, 5).empty();
            c.typname = std::string(cols.value(i, 7));
            c.category = std::string(cols.value(i, 8));
            c.raw = std::string(cols.value(i, 10));
            const std::string typtype(cols.value(i, 6));
            if (typtype == "e")
            {
                if (types_done.insert(c.type).second)
                {
                    Result labels =
                        conn.exec("SELECT string_agg(quote_literal(enumlabel), ', ' ORDER BY "
                                  "enumsortorder) FROM pg_catalog.pg_enum WHERE enumtypid = $1::oid",
                                  {std::string(cols.value(i, 9))});
                    types.push_back({fmt::format("DROP TYPE IF EXISTS {} CASCADE", c.type), {}});
                    types.push_back(
                        {fmt::format("CREATE TYPE {} AS ENUM ({})", c.type, labels.value(0, 0)), {}});
                    plan.teardown.push_back({fmt::format("DROP TYPE IF EXISTS {} CASCADE", c.type), {}});
                }
            }
            else if (cols.value(i, 11) != "t")
                why = fmt::format("column {} has type {}, which is not built in", c.raw, c.type);
            columns.push_back(c);
        }
        if (!why.empty())
        {
            plan.unsupported[table] = why;
            continue;
        }

        // Unique single columns get distinct values.
        Result uniq = conn.exec("SELECT a.attname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a "
                                "ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
                                "WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indnatts = 1 "
                                "AND i.indexprs IS NULL AND i.indpred IS NULL",
                                {qualified});
        for (int i = 0; i < uniq.rows(); ++i)
            for (Column &c : columns)
                if (c.raw == uniq.value(i, 0))
                    c.unique = true;
        Result st = conn.exec("SELECT attname, null_frac, most_common_vals::text, most_common_freqs::text, "
                              "histogram_bounds::text FROM pg_catalog.pg_stats "
                              "WHERE schemaname = $1 AND tablename = $2 AND NOT inherited",
                              {schema, table});
        for (int i = 0; i < st.rows(); ++i)
            for (Column &c : columns)
                if (c.raw == st.value(i, 0))
                {
                    c.has_stats = true;
                    c.stats.type = c.type;
                    c.stats.null_frac = std::stod(std::string(st.value(i, 1)));
                    if (!st.is_null(i, 2))
                        c.stats.mcv = parse_array_literal(std::string(st.value(i, 2)));
                    if (!st.is_null(i, 3))
                        for (const std::string &f : parse_array_literal(std::string(st.value(i, 3))))
                            c.stats.freqs.push_back(std::stod(f));
                    if (!st.is_null(i, 4))
                        c.stats.hist = parse_array_literal(std::string(st.value(i, 4)));
                    if (c.stats.freqs.size() != c.stats.mcv.size())
                        c.stats.mcv.clear(), c.stats.freqs.clear();
                    plan.columns[c.raw] = c.stats;
                }

        // DDL: sequences of serial columns, the table, its constraints but foreign keys, its indexes.
        std::string body;
        std::vector<std::string> sequences;
        static const std::regex nextval(R"(nextval\('([^']+)'::regclass\))");
        for (const Column &c : columns)
        {
            std::string def = c.name + " " + c.type;
            if (c.generated)
                def += fmt::format(" GENERATED ALWAYS AS ({}) STORED", c.default_expr);
            else if (c.identity == 'a')
                def += " GENERATED ALWAYS AS IDENTITY";
            else if (c.identity == 'd')
                def += " GENERATED BY DEFAULT AS IDENTITY";
            else if (!c.default_expr.empty())
            {
                std::smatch m;
                if (std::regex_search(c.default_expr, m, nextval))
                    sequences.push_back(m[1]);
                def += " DEFAULT " + c.default_expr;
            }
            if (c.not_null)
                def += " NOT NULL";
            body += (body.empty() ? "" : ", ") + def;
        }
        for (const std::string &s : sequences)
            ddl.push_back({"CREATE SEQUENCE IF NOT EXISTS " + s, {}});
        ddl.push_back({fmt::format("DROP TABLE IF EXISTS {} CASCADE", qt), {}});
        ddl.push_back({fmt::format("CREATE TABLE {} ({})", qt, body), {}});
        plan.teardown.insert(plan.teardown.begin(), {fmt::format("DROP TABLE IF EXISTS {} CASCADE", qt), {}});
        Result cons = conn.exec("SELECT quote_ident(conname), pg_catalog.pg_get_constraintdef(oid, true), "
                                "contype::text FROM pg_catalog.pg_constraint WHERE conrelid = $1::regclass "
                                "ORDER BY contype <> 'p', conname",
                                {qualified});
        for (int i = 0; i < cons.rows(); ++i)
        {
            if (cons.value(i, 2) == "f")
            {
                plan.notes.push_back(fmt::format("foreign key {} of {} left out: the generated rows do not "
                                                 "honour it",
                                                 cons.value(i, 0), table));
                continue;
            }
            if (cons.value(i, 2) == "n") // 18: NOT NULL constraints, already in the column definitions
                continue;
            after.push_back(
                {fmt::format("ALTER TABLE {} ADD CONSTRAINT {} {}", qt, cons.value(i, 0), cons.value(i, 1)),
                 {}});
        }
        Result idx =
            conn.exec("SELECT pg_catalog.pg_get_indexdef(i.indexrelid, 0, true) FROM pg_catalog.pg_index i "
                      "WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT FROM "
                      "pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid "
                      "AND c.conrelid = i.indrelid) ORDER BY i.indexrelid",
                      {qualified});
        for (int i = 0; i < idx.rows(); ++i)
            after.push_back({std::string(idx.value(i, 0)), {}});

        // Data: reltuples x scale rows (never analyzed: -1, so none), each column from its statistics.
        const std::int64_t rows = reltuples > 0 ? std::llround(reltuples * scale) : 0;
        if (reltuples < 0)
            plan.notes.push_back(fmt::format("table {} was never analyzed on the server (reltuples -1): "
                                             "created empty; run ANALYZE there and capture again",
                                             table));
        if (rows == 0)
            continue;
        DataStep insert;
        insert.params.push_back(std::to_string(rows));
        auto param = [&](const std::string &v)
        {
            insert.params.push_back(v);
            return fmt::format("${}", insert.params.size());
        };
        std::string names, exprs;
        bool overriding = false;
        int randoms = 0;
        for (const Column &c : columns)
        {
            if (c.generated)
                continue;
            std::string e;
            if (c.unique)
                e = unique_value(c);
            else if (c.has_stats && (!c.stats.mcv.empty() || !c.stats.hist.empty()))
            {
                const double nf = c.not_null ? 0 : c.stats.null_frac;
                double mcv_total = 0;
                std::vector<double> cum;
                for (double fr : c.stats.freqs)
                {
                    cum.push_back(mcv_total);
                    mcv_total += fr;
                }
                std::string mcv_pick, rest;
                if (!c.stats.mcv.empty())
                {
                    // Re-joined from the parsed elements: the array literal PostgreSQL printed.
                    Result lit =
                        conn.exec("SELECT most_common_vals::text FROM pg_catalog.pg_stats WHERE "
                                  "schemaname = $1 AND tablename = $2 AND attname = $3 AND NOT inherited",
                                  {schema, table, c.raw});
                    mcv_pick = fmt::format("({}::{}[])[width_bucket(random() * {:.9g}, {}::float8[])]",
                                           param(std::string(lit.value(0, 0))), c.type, mcv_total,
                                           param(array_text(cum)));
                }
                if (!c.stats.hist.empty())
                {
                    Result lit =
                        conn.exec("SELECT histogram_bounds::text FROM pg_catalog.pg_stats WHERE "
                                  "schemaname = $1 AND tablename = $2 AND attname = $3 AND NOT inherited",
                                  {schema, table, c.raw});
                    const std::string h =
                        fmt::format("({}::{}[])", param(std::string(lit.value(0, 0))), c.type);
                    const std::size_t len = c.stats.hist.size();
                    // Numbers and times: uniform within a bucket drawn uniformly (an equi-depth histogram),
                    // from one random value r per row, so that the distinct values are as many as the data
                    // spans; other types: the bounds themselves.
                    const std::string r = fmt::format("r.r{}", ++randoms);
                    const std::string x = fmt::format("({} * {})", r, len - 1);
                    const std::string lo = fmt::format("{}[1 + floor({})::int]", h, x);
                    const std::string hi = fmt::format("{}[2 + floor({})::int]", h, x);
                    const std::string frac = fmt::format("({} - floor({}))", x, x);
                    const bool integer = c.typname == "int2" || c.typname == "int4" || c.typname == "int8";
                    if (len >= 2 && integer)
                        rest = fmt::format("({0} + floor(({1} - {0} + 1) * {2}))::{3}", lo, hi, frac, c.type);
                    else if (len >= 2 && c.category == "N")
                        rest = fmt::format("({0} + ({1} - {0}) * {2})::{3}", lo, hi, frac, c.type);
                    else if (len >= 2 && c.typname == "date")
                        rest = fmt::format("({0} + floor(({1} - {0}) * {2})::int)", lo, hi, frac);
                    else if (len >= 2 && c.category == "D" && c.typname != "time" && c.typname != "timetz" &&
                             c.typname != "interval")
                        rest = fmt::format("({0} + ({1} - {0}) * {2})::{3}", lo, hi, frac, c.type);
                    else
                        rest = fmt::format("{}[1 + floor({} * {})::int]", h, r, len);
                }
                else if (mcv_total < 0.999)
                    rest = any_value(c);
                if (rest.empty() && mcv_pick.empty())
                    e = any_value(c);
                else if (rest.empty())
                    e = mcv_pick;
                else if (mcv_pick.empty())
                    e = rest;
                else
                    e = fmt::format("CASE WHEN random() < {:.9g} THEN {} ELSE {} END",
                                    std::min(1.0, mcv_total / std::max(1e-9, 1.0 - nf)), mcv_pick, rest);
                if (nf > 0)
                    e = fmt::format("CASE WHEN random() < {:.9g} THEN NULL ELSE {} END", nf, e);
            }
            else if (!c.default_expr.empty() || c.identity != 0)
                continue; // its default (a sequence) numbers it
            else
            {
                e = any_value(c);
                if (c.has_stats && c.stats.null_frac >= 0.999 && !c.not_null)
                    e = "NULL";
            }
            if (e.empty())
            {
                if (c.not_null)
                {
                    why = fmt::format("no generator for column {} of type {}", c.raw, c.type);
                    break;
                }
                e = "NULL";
            }
            if (c.identity == 'a')
                overriding = true;
            names += (names.empty() ? "" : ", ") + c.name;
            exprs += (exprs.empty() ? "" : ", ") + e;
        }
        if (!why.empty())
        {
            plan.unsupported[table] = why;
            continue;
        }
        // One random value per row for each interpolated column: a lateral subquery that refers to g is
        // evaluated per row, and one with volatile output is never flattened into the outer query.
        std::string lateral;
        for (int k = 1; k <= randoms; ++k)
            lateral += fmt::format("{}random() AS r{}", k > 1 ? ", " : "", k);
        insert.sql =
            fmt::format("INSERT INTO {} ({}){} SELECT {} FROM generate_series(1, $1::bigint) g{}", qt, names,
                        overriding ? " OVERRIDING SYSTEM VALUE" : "", exprs,
                        randoms > 0 ? fmt::format(" CROSS JOIN LATERAL (SELECT {} WHERE g IS NOT NULL "
                                                  "OFFSET 0) r",
                                                  lateral)
                                    : "");
        // Seeded per table: each table's rows are the same whatever the other tables' statistics.
        std::uint64_t seed = 0xcbf29ce484222325ull;
        for (unsigned char ch : table)
            seed = (seed ^ ch) * 0x100000001b3ull;
        fill.push_back({"SELECT setseed($1::float8)", {fmt::format("{:.6f}", double(seed % 1000000) / 1e6)}});
        fill.push_back(insert);
        // Sequences and identities continue after the generated rows, so that replayed INSERTs fit.
        for (const Column &c : columns)
        {
            std::smatch m;
            if (c.identity != 0)
                fill.push_back(
                    {fmt::format("SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence($1, $2), "
                                 "coalesce(max({}), 0) + 1, false) FROM {}",
                                 c.name, qt),
                     {qt, c.raw}});
            else if (std::regex_search(c.default_expr, m, nextval))
                fill.push_back(
                    {fmt::format("SELECT pg_catalog.setval($1::regclass, coalesce(max({}), 0) + 1, false) "
                                 "FROM {}",
                                 c.name, qt),
                     {std::string(m[1])}});
        }
        fill.push_back({fmt::format("ANALYZE {}", qt), {}});
    }
    // Tables that cannot be rebuilt are not created at all.
    plan.setup = types;
    for (auto *part : {&ddl, &after})
        for (const DataStep &s : *part)
        {
            bool skip = false;
            for (const auto &[t, why] : plan.unsupported)
                if (s.sql.find(quote_ident(t)) != std::string::npos ||
                    s.sql.find(" ON " + t + " ") != std::string::npos)
                    skip = true;
            if (!skip)
                plan.setup.push_back(s);
        }
    plan.setup.insert(plan.setup.end(), fill.begin(), fill.end());
    return plan;
}

bool redact_samples(const DataPlan &data, const std::string &query, std::vector<std::vector<Param>> &samples,
                    bool *redacted)
{
    *redacted = false;
    if (samples.empty())
        return true;
    const std::size_t n = samples.front().size();
    // For each $k: the column it is compared with, or "" for LIMIT/OFFSET (kept).
    std::vector<const ColumnStats *> source(n, nullptr);
    std::vector<bool> keep(n, false);
    // INSERT INTO t (a, b) VALUES ($1, $2): each value stands for the column in its place.
    std::map<std::size_t, std::string> inserted;
    static const std::regex insert_re(R"re(INSERT\s+INTO\s+\S+\s*\(([^)]*)\)\s*VALUES\s*\(([^)]*)\))re",
                                      std::regex::icase);
    std::smatch im;
    if (std::regex_search(query, im, insert_re))
    {
        auto split = [](const std::string &list)
        {
            std::vector<std::string> out(1);
            for (char ch : list)
                if (ch == ',')
                    out.emplace_back();
                else if (ch != ' ' && ch != '"' && ch != '\n' && ch != '\t')
                    out.back() += ch;
            return out;
        };
        const auto cols = split(im[1]), vals = split(im[2]);
        for (std::size_t i = 0; i < cols.size() && i < vals.size(); ++i)
            if (vals[i].size() > 1 && vals[i][0] == '$')
                inserted[std::stoul(vals[i].substr(1))] = cols[i];
    }
    for (std::size_t k = 1; k <= n; ++k)
    {
        const std::string p = "\\$" + std::to_string(k) + "(?![0-9])";
        const std::regex limit("(LIMIT|OFFSET)\\s+" + p, std::regex::icase);
        if (std::regex_search(query, limit))
        {
            keep[k - 1] = true;
            continue;
        }
        const std::regex cmp(
            R"re("?([A-Za-z_][A-Za-z0-9_$]*)"?\s*(=|<>|!=|<=|>=|<|>|\bLIKE\b|\bILIKE\b|\bIN\b\s*\([^)]*?)\s*\(?)re" +
                p,
            std::regex::icase);
        std::smatch m;
        std::string column;
        if (const auto ins = inserted.find(k); ins != inserted.end())
            column = ins->second;
        else if (std::regex_search(query, m, cmp))
            column = m[1];
        if (!column.empty())
        {
            const auto it = data.columns.find(column);
            if (it != data.columns.end() && (!it->second.mcv.empty() || !it->second.hist.empty()))
                source[k - 1] = &it->second;
        }
        if (source[k - 1] == nullptr)
            return false;
    }
    // A fixed stream, so that the same capture writes the same file.
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    auto next = [&]
    {
        state += 0x9E3779B97F4A7C15ull;
        std::uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return double((z ^ (z >> 31)) >> 11) / double(1ull << 53);
    };
    for (auto &sample : samples)
        for (std::size_t k = 0; k < n; ++k)
        {
            if (keep[k])
                continue;
            const ColumnStats &s = *source[k];
            double total = 0;
            for (double f : s.freqs)
                total += f;
            const double r = next() * (s.hist.empty() ? total : 1.0);
            std::string v;
            double acc = 0;
            for (std::size_t i = 0; i < s.mcv.size() && v.empty(); ++i)
                if (r < (acc += s.freqs[i]))
                    v = s.mcv[i];
            if (v.empty())
                v = s.hist.empty() ? s.mcv.back() : s.hist[std::size_t(next() * double(s.hist.size()))];
            sample[k] = v;
            *redacted = true;
        }
    return true;
}

} // namespace perfgate
