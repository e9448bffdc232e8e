// Parsing and validation of workload files. Every error names file:line (from yaml-cpp's Mark) and
// says what was expected there; nothing is executed here, so a bad file fails before any server work.
#include "workload.hpp"

#include "errors.hpp"
#include "workload_text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>
#include <xxhash.h>
#include <yaml-cpp/yaml.h>

namespace perfgate
{

namespace
{

std::string hash_hex(const std::string &text)
{
    return fmt::format("{:016x}", XXH3_64bits(text.data(), text.size()));
}

// Scalars and sets visible where a step runs; `open` means "inside a loop over a saved result", whose
// column names are only known at run time.
struct Scope
{
    std::set<std::string> scalars{"n"};
    std::map<std::string, std::vector<std::string>> sets; // empty columns: not known before running
    bool open = false;
    bool variant = false; // a variant's steps (only they may open connections of their own)
};

class Parser
{
  public:
    explicit Parser(std::string file) : file_(std::move(file)) {}

    Workload parse(const std::string &text);

  private:
    [[noreturn]] void fail(const YAML::Node &node, const std::string &what) const
    {
        throw InputError(fmt::format("{}:{}: {}", file_, node.Mark().line + 1, what));
    }
    SourceLoc loc(const YAML::Node &node) const { return {file_, node.Mark().line + 1}; }

    void expect_keys(const YAML::Node &map, const std::string &what,
                     std::initializer_list<const char *> allowed);
    std::string string_of(const YAML::Node &node, const std::string &key);
    std::string sql_of(const YAML::Node &node, const std::string &key);
    std::int64_t int_of(const YAML::Node &node, const std::string &key, std::int64_t lo, std::int64_t hi);
    double double_of(const YAML::Node &node, const std::string &key, double lo, double hi);
    bool bool_of(const YAML::Node &node, const std::string &key);
    IntExpr int_expr(const YAML::Node &node, const std::string &key);
    ParamExpr param(const YAML::Node &node, const Scope &scope);
    ColumnGen column(const std::string &name, const YAML::Node &node);
    DataSet data_set(const std::string &name, const YAML::Node &node);
    std::vector<Step> steps(const YAML::Node &node, const std::string &key, Scope scope,
                            bool allow_empty = false);
    Step step(const YAML::Node &node, Scope &scope);
    void check_data_sizes(const Workload &w) const;
    void check_set(const YAML::Node &node, const std::string &name, const Scope &scope, const char *key);

    std::string file_;
    std::vector<DataSet> data_;
};

void Parser::expect_keys(const YAML::Node &map, const std::string &what,
                         std::initializer_list<const char *> allowed)
{
    if (!map.IsMap())
        fail(map, fmt::format("{}: expected a mapping", what));
    for (const auto &kv : map)
    {
        const std::string key = kv.first.as<std::string>();
        if (std::none_of(allowed.begin(), allowed.end(), [&](const char *a) { return key == a; }))
            fail(kv.first, fmt::format("{}: unknown key '{}' (expected one of: {})", what, key,
                                       fmt::join(allowed, ", ")));
    }
}

std::string Parser::string_of(const YAML::Node &node, const std::string &key)
{
    if (!node.IsScalar())
        fail(node, fmt::format("'{}': expected a string", key));
    if (node.Scalar().find('\0') != std::string::npos)
        fail(node, fmt::format("'{}': contains a NUL character (\\0), which PostgreSQL cannot take in a "
                               "text or statement",
                               key));
    return node.Scalar();
}

std::string Parser::sql_of(const YAML::Node &node, const std::string &key)
{
    std::string sql = string_of(node, key);
    if (sql.find_first_not_of(" \t\r\n;") == std::string::npos)
        fail(node, fmt::format("'{}': expected an SQL statement, got an empty one", key));
    return sql;
}

std::int64_t Parser::int_of(const YAML::Node &node, const std::string &key, std::int64_t lo, std::int64_t hi)
{
    std::int64_t v = 0;
    const std::string s = node.IsScalar() ? node.Scalar() : "";
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size())
        fail(node, fmt::format("'{}': expected an integer, got '{}'", key, s));
    if (v < lo || v > hi)
        fail(node, fmt::format("'{}': expected an integer from {} to {}, got {}", key, lo, hi, v));
    return v;
}

double Parser::double_of(const YAML::Node &node, const std::string &key, double lo, double hi)
{
    double v = 0;
    try
    {
        v = node.as<double>();
    }
    catch (const YAML::Exception &)
    {
        fail(node, fmt::format("'{}': expected a number", key));
    }
    if (!(v >= lo && v <= hi))
        fail(node, fmt::format("'{}': expected a number from {} to {}, got {}", key, lo, hi, v));
    return v;
}

bool Parser::bool_of(const YAML::Node &node, const std::string &key)
{
    try
    {
        return node.as<bool>();
    }
    catch (const YAML::Exception &)
    {
        fail(node, fmt::format("'{}': expected true or false", key));
    }
}

IntExpr Parser::int_expr(const YAML::Node &node, const std::string &key)
{
    IntExpr e;
    e.loc = loc(node);
    if (!node.IsScalar())
        fail(node, fmt::format("'{}': expected an integer or $variable", key));
    std::string s = node.Scalar();
    s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
    if (s.empty() || s[0] != '$')
    {
        e.value = int_of(node, key, INT64_MIN / 2, INT64_MAX / 2);
        return e;
    }
    std::size_t i = 1;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_'))
        ++i;
    e.var = s.substr(1, i - 1);
    if (e.var.empty())
        fail(node, fmt::format("'{}': expected a variable name after '$'", key));
    if (i < s.size())
    {
        e.op = s[i];
        const std::string k = s.substr(i + 1);
        auto [ptr, ec] = std::from_chars(k.data(), k.data() + k.size(), e.value);
        if (std::string("*/+-").find(e.op) == std::string::npos || k.empty() || ec != std::errc() ||
            ptr != k.data() + k.size())
            fail(node,
                 fmt::format("'{}': expected $var, or $var followed by *, /, + or - and an integer; got '{}'",
                             key, node.Scalar()));
        if (e.op == '/' && e.value == 0)
            fail(node, fmt::format("'{}': division by zero", key));
    }
    return e;
}

// What a data set would generate at each size, checked before anything runs: a row count or text length
// that cannot fit in memory fails here with its line, not as std::bad_alloc minutes later.
void Parser::check_data_sizes(const Workload &w) const
{
    constexpr std::int64_t max_rows = 50'000'000, max_text = 16 << 20, max_bytes = std::int64_t{1} << 30;
    for (const DataSet &d : w.data)
        for (const std::int64_t n : w.sizes)
        {
            const Vars vars{{"n", std::to_string(n)}};
            const auto in_range = [&](const IntExpr &e, const char *what, std::int64_t lo, std::int64_t hi)
            {
                const std::int64_t v = e.eval(vars);
                if (v < lo || v > hi)
                    throw InputError(fmt::format(
                        "{}: data set '{}': {} {}{} at n={}: expected {} to {}", e.loc.str(), d.name, what, v,
                        e.var.empty() ? "" : fmt::format(" (from {})", e.str()), n, lo, hi));
                return v;
            };
            const std::int64_t rows = in_range(d.count, "count", 0, max_rows);
            std::int64_t row_bytes = 0;
            for (const ColumnGen &c : d.columns)
            {
                if (c.kind == ColumnGen::Kind::text)
                    row_bytes += in_range(c.length, "text length", 0, max_text);
                else if (c.kind == ColumnGen::Kind::random)
                {
                    c.min.eval(vars);
                    c.max.eval(vars);
                }
                else if (c.kind == ColumnGen::Kind::seq)
                {
                    const std::int64_t start = c.start.eval(vars), step = c.step.eval(vars);
                    std::int64_t last = 0;
                    if (rows > 0 && (__builtin_mul_overflow(step, rows - 1, &last) ||
                                     __builtin_add_overflow(start, last, &last)))
                        throw InputError(fmt::format("{}: data set '{}', column '{}': the sequence overflows "
                                                     "a 64-bit integer at n={}",
                                                     d.loc.str(), d.name, c.name, n));
                }
                row_bytes += 24; // a value's own overhead, whatever its kind
            }
            if (rows > 0 && row_bytes > max_bytes / rows)
                throw InputError(fmt::format("{}: data set '{}' would hold about {} MiB at n={} ({} rows of "
                                             "about {} bytes); the limit is {} MiB",
                                             d.loc.str(), d.name, rows / 1024 * row_bytes / 1024, n, rows,
                                             row_bytes, max_bytes >> 20));
        }
}

void Parser::check_set(const YAML::Node &node, const std::string &name, const Scope &scope, const char *key)
{
    if (!scope.sets.count(name))
    {
        std::vector<std::string> known;
        for (const auto &kv : scope.sets)
            known.push_back(kv.first);
        fail(node, fmt::format("'{}': no data set or saved result named '{}' here (known: {})", key, name,
                               known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", "))));
    }
}

ParamExpr Parser::param(const YAML::Node &node, const Scope &scope)
{
    ParamExpr p;
    p.loc = loc(node);
    if (node.IsNull())
    {
        p.kind = ParamExpr::Kind::null;
        return p;
    }
    if (!node.IsScalar())
        fail(node, "parameter: expected a scalar value, $variable or $set.column");
    const std::string s = node.Scalar();
    if (s.rfind("$$", 0) == 0)
    {
        p.text = s.substr(1);
        return p;
    }
    if (s.empty() || s[0] != '$')
    {
        p.text = s;
        return p;
    }
    const std::string ref = s.substr(1);
    const auto dot = ref.find('.');
    if (dot == std::string::npos)
    {
        p.kind = ParamExpr::Kind::scalar;
        p.text = ref;
        if (!scope.open && !scope.scalars.count(ref))
            fail(node, fmt::format("parameter: unknown variable ${} (known here: ${})", ref,
                                   fmt::join(scope.scalars, ", $")));
        return p;
    }
    p.kind = ParamExpr::Kind::array;
    p.text = ref.substr(0, dot);
    p.column = ref.substr(dot + 1);
    check_set(node, p.text, scope, "parameter");
    const auto &cols = scope.sets.at(p.text);
    if (!cols.empty() && std::find(cols.begin(), cols.end(), p.column) == cols.end())
        fail(node, fmt::format("parameter: data set '{}' has no column '{}' (columns: {})", p.text, p.column,
                               fmt::join(cols, ", ")));
    return p;
}

ColumnGen Parser::column(const std::string &name, const YAML::Node &node)
{
    ColumnGen c;
    c.name = name;
    if (node.IsScalar() && node.Scalar() == "seq")
        return c;
    if (!node.IsMap() || node.size() != 1)
        fail(node, fmt::format("column '{}': expected seq, or one of {{seq: ...}}, {{random: {{min, max}}}}, "
                               "{{text: {{length}}}}, {{pick: [...]}}",
                               name));
    const std::string kind = node.begin()->first.as<std::string>();
    const YAML::Node spec = node.begin()->second;
    if (kind == "seq")
    {
        c.kind = ColumnGen::Kind::seq;
        if (!spec.IsNull())
        {
            expect_keys(spec, "seq", {"start", "step"});
            if (spec["start"])
                c.start = int_expr(spec["start"], "start");
            if (spec["step"])
                c.step = int_expr(spec["step"], "step");
        }
    }
    else if (kind == "random")
    {
        c.kind = ColumnGen::Kind::random;
        expect_keys(spec, "random", {"min", "max"});
        if (!spec["min"] || !spec["max"])
            fail(spec, "random: expected both 'min' and 'max'");
        c.min = int_expr(spec["min"], "min");
        c.max = int_expr(spec["max"], "max");
    }
    else if (kind == "text")
    {
        c.kind = ColumnGen::Kind::text;
        expect_keys(spec, "text", {"length"});
        if (!spec["length"])
            fail(spec, "text: expected 'length'");
        c.length = int_expr(spec["length"], "length");
    }
    else if (kind == "pick")
    {
        c.kind = ColumnGen::Kind::pick;
        if (!spec.IsSequence() || spec.size() == 0)
            fail(spec, "pick: expected a non-empty list of values");
        for (const auto &v : spec)
            c.choices.push_back(string_of(v, "pick"));
    }
    else
        fail(node.begin()->first,
             fmt::format("column '{}': unknown generator '{}' (expected seq, random, text or pick)", name,
                         kind));
    return c;
}

DataSet Parser::data_set(const std::string &name, const YAML::Node &node)
{
    DataSet d;
    d.name = name;
    d.loc = loc(node);
    expect_keys(node, fmt::format("data set '{}'", name), {"count", "seed", "columns"});
    if (!node["count"])
        fail(node, fmt::format("data set '{}': expected 'count'", name));
    d.count = int_expr(node["count"], "count");
    if (node["seed"])
        d.seed = static_cast<std::uint64_t>(int_of(node["seed"], "seed", 0, INT64_MAX));
    const YAML::Node cols = node["columns"];
    if (!cols || !cols.IsMap() || cols.size() == 0)
        fail(cols ? cols : node, fmt::format("data set '{}': expected 'columns', a mapping of column name to "
                                             "generator",
                                             name));
    for (const auto &kv : cols)
        d.columns.push_back(column(kv.first.as<std::string>(), kv.second));
    return d;
}

std::vector<Step> Parser::steps(const YAML::Node &node, const std::string &key, Scope scope, bool allow_empty)
{
    if (!node.IsSequence())
        fail(node, fmt::format("'{}': expected a list of steps", key));
    if (node.size() == 0 && !allow_empty)
        fail(node, fmt::format("'{}': expected at least one step, got an empty list", key));
    std::vector<Step> out;
    for (const auto &s : node)
        out.push_back(step(s, scope));
    return out;
}

Step Parser::step(const YAML::Node &node, Scope &scope)
{
    Step st;
    st.loc = loc(node);
    if (!node.IsMap())
        fail(node, "step: expected a mapping with one of sql, loop, transaction, copy, cursor, single_row, "
                   "connect");
    auto params_of = [&](const YAML::Node &list)
    {
        if (!list)
            return;
        if (!list.IsSequence())
            fail(list, "'params': expected a list");
        for (const auto &p : list)
            st.params.push_back(param(p, scope));
    };
    auto check_placeholders = [&](const YAML::Node &at)
    {
        const int highest = highest_placeholder(st.sql);
        if (highest != static_cast<int>(st.params.size()))
            fail(at, fmt::format("the statement uses placeholders up to ${} but {} parameter(s) are given; "
                                 "bind every value with $1, $2, ... and list them under 'params'",
                                 highest, st.params.size()));
    };

    if (node["sql"])
    {
        expect_keys(node, "sql step", {"sql", "params", "values_from", "batch", "save_as"});
        st.kind = StepKind::sql;
        st.sql = sql_of(node["sql"], "sql");
        params_of(node["params"]);
        if (node["values_from"])
        {
            st.values_from = string_of(node["values_from"], "values_from");
            check_set(node["values_from"], st.values_from, scope, "values_from");
            if (st.sql.find("{values}") == std::string::npos)
                fail(node["sql"], "'values_from' needs a {values} marker in the statement where the row "
                                  "placeholders go");
            if (!st.params.empty() || highest_placeholder(st.sql) != 0)
                fail(node["sql"], "a 'values_from' statement takes all its parameters from the data set; "
                                  "remove 'params' and other $k placeholders");
            if (node["batch"])
                st.values_batch = int_of(node["batch"], "batch", 1, 1000000);
        }
        else
        {
            if (node["batch"])
                fail(node["batch"], "'batch' only applies with 'values_from'");
            check_placeholders(node["sql"]);
        }
        if (node["save_as"])
        {
            st.save_as = string_of(node["save_as"], "save_as");
            scope.sets[st.save_as] = {};
        }
    }
    else if (node["loop"])
    {
        expect_keys(node, "loop step", {"loop", "steps"});
        st.kind = StepKind::loop;
        st.over = string_of(node["loop"], "loop");
        check_set(node["loop"], st.over, scope, "loop");
        if (!node["steps"])
            fail(node, "loop: expected 'steps', the statements to run for each row");
        Scope inner = scope;
        const auto &cols = scope.sets.at(st.over);
        if (cols.empty())
            inner.open = true;
        inner.scalars.insert(cols.begin(), cols.end());
        st.body = steps(node["steps"], "steps", inner);
    }
    else if (node["transaction"])
    {
        expect_keys(node, "transaction step", {"transaction"});
        st.kind = StepKind::transaction;
        st.body = steps(node["transaction"], "transaction", scope);
    }
    else if (node["copy"])
    {
        expect_keys(node, "copy step", {"copy", "from"});
        st.kind = StepKind::copy;
        st.copy_target = string_of(node["copy"], "copy");
        if (!node["from"])
            fail(node, "copy: expected 'from', the data set whose rows are copied");
        st.copy_from = string_of(node["from"], "from");
        check_set(node["from"], st.copy_from, scope, "from");
    }
    else if (node["cursor"])
    {
        expect_keys(node, "cursor step", {"cursor", "params", "fetch"});
        st.kind = StepKind::cursor;
        st.sql = sql_of(node["cursor"], "cursor");
        params_of(node["params"]);
        check_placeholders(node["cursor"]);
        if (node["fetch"])
            st.fetch = int_of(node["fetch"], "fetch", 1, 100000000);
    }
    else if (node["single_row"])
    {
        expect_keys(node, "single_row step", {"single_row", "params"});
        st.kind = StepKind::single_row;
        st.sql = sql_of(node["single_row"], "single_row");
        params_of(node["params"]);
        check_placeholders(node["single_row"]);
    }
    else if (node["connect"])
    {
        expect_keys(node, "connect step", {"connect"});
        // setup, setup_per_size, before_each and teardown run on perfgate's own connection: only there
        // is the search_path known to be perfgate's schema alone.
        if (!scope.variant)
            fail(node, "connect: only a variant's steps may open a connection of their own; setup, "
                       "setup_per_size, before_each and teardown run on perfgate's connection");
        st.kind = StepKind::connect;
        st.body = steps(node["connect"], "connect", scope);
    }
    else
        fail(node,
             "step: expected one of the keys sql, loop, transaction, copy, cursor, single_row, connect");
    return st;
}

Workload Parser::parse(const std::string &text)
{
    check_workload_text(text, file_);
    YAML::Node root;
    try
    {
        root = YAML::Load(text);
    }
    catch (const YAML::ParserException &e)
    {
        throw InputError(fmt::format("{}:{}: malformed YAML: {}", file_, e.mark.line + 1, e.msg));
    }
    if (!root.IsMap())
        throw InputError(fmt::format("{}:1: expected a mapping with name, sizes, variants, ...", file_));
    expect_keys(root, "workload",
                {"name", "description", "sizes", "warmup", "iterations", "gates", "settings", "setup",
                 "setup_per_size", "before_each", "teardown", "data", "variants", "pairs"});

    Workload w;
    w.file = file_;
    w.file_hash = hash_hex(text);
    w.source = text;
    if (!root["name"])
        fail(root, "workload: expected 'name'");
    w.name = string_of(root["name"], "name");
    if (root["description"])
        w.description = string_of(root["description"], "description");

    const YAML::Node sizes = root["sizes"];
    if (!sizes || !sizes.IsSequence() || sizes.size() == 0)
        fail(sizes ? sizes : root,
             "'sizes': expected a non-empty list of positive integers (the values of $n)");
    for (const auto &s : sizes)
    {
        const std::int64_t v = int_of(s, "sizes", 1, INT64_MAX / 4);
        if (!w.sizes.empty() && v <= w.sizes.back())
            fail(s, "'sizes': expected strictly ascending values");
        w.sizes.push_back(v);
    }
    if (root["warmup"])
        w.warmup = static_cast<int>(int_of(root["warmup"], "warmup", 0, 1000));
    if (root["iterations"])
        w.iterations = static_cast<int>(int_of(root["iterations"], "iterations", 1, 100000));

    if (const YAML::Node g = root["gates"])
    {
        expect_keys(g, "gates",
                    {"min_effect", "alpha", "buffer_tolerance", "latency", "plans", "plan_changes"});
        if (g["min_effect"])
            w.gates.min_effect = double_of(g["min_effect"], "min_effect", 0.0, 100.0);
        if (g["alpha"])
            w.gates.alpha = double_of(g["alpha"], "alpha", 1e-9, 0.5);
        if (g["buffer_tolerance"])
            w.gates.buffer_tolerance = double_of(g["buffer_tolerance"], "buffer_tolerance", 0.0, 10.0);
        if (g["latency"])
            w.gates.latency = bool_of(g["latency"], "latency");
        if (g["plans"])
            w.gates.plans = bool_of(g["plans"], "plans");
        if (const YAML::Node pc = g["plan_changes"])
        {
            const std::string v = string_of(pc, "plan_changes");
            if (v != "judge" && v != "fail")
                fail(pc, fmt::format("'plan_changes': expected judge or fail, got '{}'", v));
            w.gates.plan_changes_fail = v == "fail";
        }
    }
    if (const YAML::Node st = root["settings"])
    {
        if (!st.IsMap())
            fail(st, "'settings': expected a mapping of setting name to value (e.g. work_mem: 64MB)");
        for (const auto &kv : st)
            w.settings[string_of(kv.first, "settings")] = string_of(kv.second, kv.first.Scalar());
    }

    Scope scope;
    if (const YAML::Node d = root["data"])
    {
        if (!d.IsMap())
            fail(d, "'data': expected a mapping of data set name to {count, seed, columns}");
        for (const auto &kv : d)
        {
            DataSet ds = data_set(kv.first.as<std::string>(), kv.second);
            std::vector<std::string> cols;
            for (const auto &c : ds.columns)
                cols.push_back(c.name);
            scope.sets[ds.name] = cols;
            w.data.push_back(std::move(ds));
        }
    }
    w.data_hash = hash_hex(YAML::Dump(root["sizes"]) + "\n" + (root["data"] ? YAML::Dump(root["data"]) : ""));

    check_data_sizes(w);

    // setup and teardown run once, outside any size: neither $n nor data sets exist there.
    if (root["setup"])
        w.setup = steps(root["setup"], "setup",
                        Scope{.scalars = {}, .sets = {}, .open = false, .variant = false}, true);
    if (root["setup_per_size"])
        w.setup_per_size = steps(root["setup_per_size"], "setup_per_size", scope, true);
    if (root["before_each"])
        w.before_each = steps(root["before_each"], "before_each", scope, true);
    if (root["teardown"])
        w.teardown = steps(root["teardown"], "teardown",
                           Scope{.scalars = {}, .sets = {}, .open = false, .variant = false}, true);

    const YAML::Node variants = root["variants"];
    if (!variants || !variants.IsSequence() || variants.size() == 0)
        fail(variants ? variants : root, "'variants': expected a non-empty list of {name, steps}");
    std::unordered_map<std::string, std::size_t> variant_index; // name -> position in w.variants
    for (const auto &v : variants)
    {
        expect_keys(v, "variant", {"name", "description", "batched", "steps"});
        Variant var;
        var.loc = loc(v);
        if (!v["name"])
            fail(v, "variant: expected 'name'");
        var.name = string_of(v["name"], "name");
        if (const auto it = variant_index.find(var.name); it != variant_index.end())
            fail(v["name"], fmt::format("variant '{}' is defined twice (first at {})", var.name,
                                        w.variants[it->second].loc.str()));
        if (v["description"])
            var.description = string_of(v["description"], "description");
        if (v["batched"])
            var.batched = bool_of(v["batched"], "batched");
        if (!v["steps"])
            fail(v, fmt::format("variant '{}': expected 'steps'", var.name));
        Scope variant_scope = scope;
        variant_scope.variant = true;
        var.steps = steps(v["steps"], "steps", variant_scope);
        var.hash = hash_hex(YAML::Dump(v["steps"]));
        variant_index.emplace(var.name, w.variants.size());
        w.variants.push_back(std::move(var));
    }

    if (const YAML::Node pairs = root["pairs"])
    {
        if (!pairs.IsSequence())
            fail(pairs, "'pairs': expected a list of {label, baseline, candidate}");
        for (const auto &p : pairs)
        {
            expect_keys(p, "pair", {"label", "baseline", "candidate"});
            Pair pr;
            if (!p["baseline"] || !p["candidate"])
                fail(p, "pair: expected 'baseline' and 'candidate' variant names");
            pr.baseline = string_of(p["baseline"], "baseline");
            pr.candidate = string_of(p["candidate"], "candidate");
            pr.label = p["label"] ? string_of(p["label"], "label") : pr.candidate + " vs " + pr.baseline;
            for (const auto &[key, name] :
                 {std::pair{"baseline", pr.baseline}, std::pair{"candidate", pr.candidate}})
                if (!variant_index.count(name))
                    fail(p[key], fmt::format("pair: no variant named '{}'", name));
            w.pairs.push_back(std::move(pr));
        }
    }
    return w;
}

} // namespace

Workload parse_workload(const std::string &text, const std::string &file_name)
{
    return Parser(file_name).parse(text);
}

Workload load_workload(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        throw InputError(fmt::format("{}: cannot read the workload file", path));
    std::stringstream buf;
    buf << in.rdbuf();
    return parse_workload(buf.str(), path);
}

} // namespace perfgate
