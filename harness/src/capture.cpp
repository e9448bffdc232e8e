// perfgate capture: hot statements + sampled values + schema + generated data -> one workload file.
// See capture.hpp. Everything is read through the extension's SQL interface (the contract in
// extension.cpp) and the catalogs; nothing is written on the server. A superuser's session runs with
// pg_perfgate.track = none, so the capture's own reads and EXPLAINs add nothing to what it reads.
#include "capture.hpp"

#include "capture_data.hpp"
#include "errors.hpp"
#include "extension.hpp"
#include "top.hpp"
#include "workload.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace perfgate
{
namespace
{

struct Captured
{
    std::string queryid;
    std::string query;
    std::string plan; // the server's plan text of its most-called plan
    std::int64_t calls = 0;
    double total_time = 0;
    std::int64_t best_plan_calls = -1;
    std::map<std::string, std::int64_t> plan_calls; // plan id -> calls
    bool utility = true;                            // every plan id 0
    int placeholders = 0;
    std::vector<std::vector<Param>> samples; // complete ones, values in $1..$k order
    int incomplete_samples = 0;
    bool dml = false;
    std::set<std::pair<std::string, std::string>> tables; // (schema, name)
    std::string skip;                                     // why it is not replayed
    bool redacted = false;
};

std::string one_line(const std::string &s)
{
    std::string out;
    bool space = false;
    for (char c : s)
    {
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
        {
            space = !out.empty();
            continue;
        }
        if (space)
            out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::string first_word(const std::string &s)
{
    const std::string t = one_line(s);
    std::string w;
    for (char c : t)
    {
        if (!std::isalpha(static_cast<unsigned char>(c)))
            break;
        w += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return w;
}

// A constant as the client wrote it ('it''s', 42, -1, true, NULL, $$x$$) as the value to bind.
// false: a form that is not bound the same way (E'', B'', X'', U&'').
bool literal_value(const std::string &lit, Param *out)
{
    if (lit.size() >= 2 && lit.front() == '\'' && lit.back() == '\'')
    {
        std::string v;
        for (std::size_t i = 1; i + 1 < lit.size(); ++i)
        {
            v += lit[i];
            if (lit[i] == '\'' && i + 2 < lit.size() && lit[i + 1] == '\'')
                ++i;
        }
        *out = v;
        return true;
    }
    if (!lit.empty() && lit.front() == '$')
    {
        const auto tag_end = lit.find('$', 1);
        if (tag_end == std::string::npos)
            return false;
        const std::string tag = lit.substr(0, tag_end + 1);
        if (lit.size() < 2 * tag.size() || lit.compare(lit.size() - tag.size(), tag.size(), tag) != 0)
            return false;
        *out = lit.substr(tag.size(), lit.size() - 2 * tag.size());
        return true;
    }
    if (lit.find('\'') != std::string::npos)
        return false; // E'...', B'...', X'...', U&'...'
    std::string upper;
    for (char c : lit)
        upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == "NULL")
        *out = std::nullopt;
    else
        *out = lit;
    return true;
}

void collect_relations(const nlohmann::json &node, std::set<std::pair<std::string, std::string>> &out)
{
    if (node.is_object())
    {
        if (node.contains("Relation Name") && node.contains("Schema") && node["Relation Name"].is_string() &&
            node["Schema"].is_string())
            out.emplace(node["Schema"].get<std::string>(), node["Relation Name"].get<std::string>());
        for (const auto &[k, v] : node.items())
            collect_relations(v, out);
    }
    else if (node.is_array())
        for (const auto &v : node)
            collect_relations(v, out);
}

std::vector<Captured> read_statements(Connection &conn, const std::string &schema, const CaptureOptions &o)
{
    const std::string db_filter = "s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = "
                                  "current_database())";
    Result r = conn.exec(
        fmt::format("SELECT s.queryid::text, s.planid::text, s.calls, s.total_exec_time, s.query, p.plan "
                    "FROM {0}.pg_perfgate_statements s LEFT JOIN {0}.pg_perfgate_plans p "
                    "ON p.dbid = s.dbid AND p.queryid = s.queryid AND p.planid = s.planid "
                    "WHERE {1} AND s.toplevel",
                    schema, db_filter));
    std::map<std::string, Captured> by_id;
    for (int i = 0; i < r.rows(); ++i)
    {
        const std::string id = r.is_null(i, 0) ? "" : std::string(r.value(i, 0));
        Captured &c = by_id[id];
        c.queryid = id;
        const std::int64_t calls = std::stoll(std::string(r.value(i, 2)));
        c.calls += calls;
        c.plan_calls[std::string(r.value(i, 1))] += calls;
        c.total_time += std::stod(std::string(r.value(i, 3)));
        if (!r.is_null(i, 4) && c.query.empty())
            c.query = std::string(r.value(i, 4));
        if (r.value(i, 1) != "0")
            c.utility = false;
        if (calls > c.best_plan_calls && !r.is_null(i, 5))
        {
            c.best_plan_calls = calls;
            c.plan = std::string(r.value(i, 5));
        }
    }
    std::vector<Captured> out;
    for (auto &[id, c] : by_id)
    {
        // The extension's own views and the harness's EXPLAINs are not the application's.
        if (c.query.find("pg_perfgate") != std::string::npos || first_word(c.query) == "EXPLAIN")
            continue;
        out.push_back(std::move(c));
    }
    std::sort(out.begin(), out.end(),
              [&](const Captured &a, const Captured &b)
              {
                  if (o.by == "calls" && a.calls != b.calls)
                      return a.calls > b.calls;
                  if (a.total_time != b.total_time)
                      return a.total_time > b.total_time;
                  return a.queryid < b.queryid;
              });
    return out;
}

// The complete samples of each query id: every $1..$k of its text has a value.
void read_samples(Connection &conn, const std::string &schema, std::vector<Captured> &stmts)
{
    Result r = conn.exec(fmt::format(
        "SELECT queryid::text, planid::text, sample, param, kind, value FROM {}.pg_perfgate_param_samples() "
        "WHERE dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) "
        "AND toplevel AND sample IS NOT NULL ORDER BY queryid, planid, sample, param",
        schema));
    std::map<std::string, std::map<std::string, std::map<int, Param>>> raw; // queryid -> plan/sample
    std::map<std::string, std::set<std::string>> unbindable;
    for (int i = 0; i < r.rows(); ++i)
    {
        const std::string qid(r.value(i, 0));
        const std::string key = fmt::format("{}/{}", r.value(i, 1), r.value(i, 2));
        const int param = std::stoi(std::string(r.value(i, 3)));
        Param v;
        if (r.is_null(i, 5))
            v = std::nullopt;
        else if (r.value(i, 4) == "constant")
        {
            if (!literal_value(std::string(r.value(i, 5)), &v))
                unbindable[qid].insert(key);
        }
        else
            v = std::string(r.value(i, 5));
        raw[qid][key][param] = v;
    }
    for (Captured &c : stmts)
    {
        c.placeholders = highest_placeholder(c.query);
        const auto it = raw.find(c.queryid);
        if (it == raw.end())
            continue;
        // The samples of the plan that ran most come first: the replay explains each statement with
        // its first values, so that its plan shape is the one the server ran most.
        std::vector<std::pair<std::string, const std::map<int, Param> *>> ordered;
        for (const auto &[key, values] : it->second)
            ordered.emplace_back(key, &values);
        auto calls_of = [&](const std::string &key)
        {
            const auto p = c.plan_calls.find(key.substr(0, key.find('/')));
            return p == c.plan_calls.end() ? 0 : p->second;
        };
        std::stable_sort(ordered.begin(), ordered.end(),
                         [&](const auto &a, const auto &b) { return calls_of(a.first) > calls_of(b.first); });
        for (const auto &[key, values_ptr] : ordered)
        {
            const std::map<int, Param> &values = *values_ptr;
            bool complete = !unbindable[c.queryid].count(key);
            std::vector<Param> v;
            for (int k = 1; k <= c.placeholders && complete; ++k)
            {
                const auto p = values.find(k);
                if (p == values.end())
                    complete = false;
                else
                    v.push_back(p->second);
            }
            if (complete)
                c.samples.push_back(std::move(v));
            else
                c.incomplete_samples++;
        }
    }
}

// Why a statement cannot be replayed ("" when it can), and the tables it touches.
std::string classify(Connection &conn, Captured &c)
{
    if (c.query.empty())
        return "its text is not visible to this role (another role's statement: needs pg_read_all_stats)";
    const std::string verb = first_word(c.query);
    if (verb == "COPY")
        return "COPY: the data it carried is not captured";
    if (c.utility)
        return fmt::format("utility statement ({}): not replayed", verb.empty() ? "?" : verb);
    if (c.placeholders > 0 && c.samples.empty())
        return c.incomplete_samples > 0
                   ? "its samples lack values for some $n (a prepared statement's constants, or forms "
                     "such as E'' strings that are not bound as written)"
                   : "no parameter samples (pg_perfgate.capture_params was off while it ran, or its values "
                     "did not fit pg_perfgate.capture_params_size)";
    c.dml = verb == "INSERT" || verb == "UPDATE" || verb == "DELETE" || verb == "MERGE" || verb == "WITH";
    std::vector<Param> params = c.placeholders > 0 ? c.samples.front() : std::vector<Param>{};
    try
    {
        conn.exec("SAVEPOINT perfgate_capture");
        Result e = conn.exec("EXPLAIN (VERBOSE, FORMAT JSON) " + c.query, params);
        conn.exec("RELEASE SAVEPOINT perfgate_capture");
        collect_relations(nlohmann::json::parse(std::string(e.value(0, 0))), c.tables);
    }
    catch (const SqlError &e)
    {
        conn.exec("ROLLBACK TO SAVEPOINT perfgate_capture");
        // A table only its session had: a temporary table (or one dropped since).
        if (e.sqlstate() == "42P01")
            return fmt::format("touches a table that no longer exists (a temporary table of its session, or "
                               "one dropped since): {}",
                               one_line(e.what()));
        return fmt::format("EXPLAIN of it with a sampled value failed on the server: {}", one_line(e.what()));
    }
    for (const auto &[schema, name] : c.tables)
        if (schema.rfind("pg_temp", 0) == 0)
            return fmt::format("touches temporary table {}: it exists only in its session", name);
        else if (schema == "pg_catalog" || schema == "information_schema")
            return "reads the system catalogs: their contents are the server's, not generated";
    return "";
}

// Named by its text, which is the same on every server (a query id is not: it hashes table OIDs),
// so that a later capture's variant compares with the baseline's of the same statement.
std::string variant_name(const std::string &query)
{
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char ch : query)
        h = (h ^ ch) * 0x100000001b3ull;
    return fmt::format("q_{:016x}", h);
}

void emit_params(YAML::Emitter &y, const std::vector<Param> &params)
{
    y << YAML::Key << "params" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const Param &p : params)
    {
        if (!p)
            y << YAML::Null;
        else
            y << YAML::DoubleQuoted << (!p->empty() && p->front() == '$' ? "$" + *p : *p);
    }
    y << YAML::EndSeq;
}

void emit_sql(YAML::Emitter &y, const std::string &sql, const std::vector<Param> &params = {})
{
    y << YAML::BeginMap << YAML::Key << "sql" << YAML::Value << YAML::DoubleQuoted << sql;
    if (!params.empty())
        emit_params(y, params);
    y << YAML::EndMap;
}

} // namespace

void run_capture(const std::string &conninfo, const CaptureOptions &o)
{
    if (o.output.empty())
        throw InputError("capture: -o FILE is required (the workload file to write)");
    if (o.by != "total_time" && o.by != "calls")
        throw InputError(fmt::format("capture --by {}: expected total_time or calls", o.by));
    if (o.limit < 1)
        throw InputError("capture: -n must be a positive integer");
    if (!(o.scale > 0) || o.scale > 1000)
        throw InputError("capture --scale: expected a number above 0 and at most 1000");

    const auto conn = connect_for_top(conninfo);
    // What this connection sends is perfgate's, not the application's: a role that is not a superuser
    // records it (a superuser's session does not), and it is left out below.
    std::set<std::string> own;
    conn->record_sent(&own);
    {
        ExtensionProbe probe(*conn);
        if (!probe.available())
            throw InputError(fmt::format("capture reads pg_perfgate, and cannot: {}", probe.state().reason));
    }
    const std::string schema = top_schema(*conn);
    const std::string database = conn->database();
    conn->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");

    std::vector<Captured> all = read_statements(*conn, schema, o);
    std::erase_if(all, [&](const Captured &c) { return own.count(c.query) > 0; });
    read_samples(*conn, schema, all);

    std::vector<Captured *> chosen;
    std::vector<Captured *> skipped;
    for (Captured &c : all)
    {
        if (static_cast<int>(chosen.size()) >= o.limit)
            break;
        c.skip = classify(*conn, c);
        (c.skip.empty() ? chosen : skipped).push_back(&c);
    }
    if (chosen.empty())
    {
        conn->exec("ROLLBACK");
        std::string why;
        for (const Captured *c : skipped)
            why += fmt::format("\n  {}: {}", one_line(c->query).substr(0, 100), c->skip);
        throw InputError(fmt::format("capture: no statement of database \"{}\" can be replayed{}", database,
                                     why.empty() ? " (pg_perfgate has recorded none)" : why));
    }

    // The tables, their DDL and their data, from the catalogs and pg_stats.
    std::set<std::pair<std::string, std::string>> tables;
    for (const Captured *c : chosen)
        tables.insert(c->tables.begin(), c->tables.end());
    DataPlan data = plan_tables(*conn, tables, o.scale, o.redact);
    for (Captured *c : chosen)
        for (const auto &t : c->tables)
            if (const auto why = data.unsupported.find(t.second); why != data.unsupported.end())
                c->skip = fmt::format("touches table {}, which cannot be rebuilt: {}", t.second, why->second);
    if (o.redact)
        for (Captured *c : chosen)
            if (c->skip.empty() && !redact_samples(data, c->query, c->samples, &c->redacted))
                c->skip = "--redact: one of its values is compared with no column whose statistics could "
                          "stand in for it, and real values are not written";
    std::vector<Captured *> replayed;
    for (Captured *c : chosen)
        (c->skip.empty() ? replayed : skipped).push_back(c);
    conn->exec("ROLLBACK");
    if (replayed.empty())
        throw InputError("capture: none of the hot statements can be replayed (see the reasons above)");

    // The observed mix: executions per iteration in proportion to calls, the rarest at least 10 times
    // (so rounding moves no share by more than 5%) unless the budget says fewer.
    std::int64_t min_calls = replayed.front()->calls, sum_calls = 0;
    for (const Captured *c : replayed)
    {
        min_calls = std::max<std::int64_t>(1, std::min(min_calls, c->calls));
        sum_calls += c->calls;
    }
    std::vector<int> weight;
    double total = 0;
    for (const Captured *c : replayed)
        total += 10.0 * double(c->calls) / double(min_calls);
    const double f = total > o.budget ? o.budget / total : 1.0;
    int sum_w = 0;
    for (const Captured *c : replayed)
    {
        weight.push_back(std::max(1, int(std::lround(10.0 * double(c->calls) / double(min_calls) * f))));
        sum_w += weight.back();
    }
    double worst = 0;
    for (std::size_t i = 0; i < replayed.size(); ++i)
    {
        const double want = double(replayed[i]->calls) / double(sum_calls);
        const double got = double(weight[i]) / double(sum_w);
        worst = std::max(worst, std::abs(got - want) / want);
    }

    // The workload file.
    YAML::Emitter y;
    y.SetIndent(2);
    char when[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
    std::string header = fmt::format(
        "Written by perfgate capture from database \"{}\" at {}: the top {} statements by {} that can be "
        "replayed, each a variant run as often per iteration as its share of calls (largest deviation "
        "from the observed mix: {:.1f}%), on tables rebuilt from the catalogs with {} generated from "
        "pg_stats (scale {}). Parameter values: {}.",
        database, when, replayed.size(), o.by == "calls" ? "calls" : "total execution time", worst * 100,
        "data", o.scale,
        o.redact ? "drawn from pg_stats (--redact), except where a statement says it keeps real ones"
                 : "real, sampled by pg_perfgate.capture_params");
    y << YAML::Comment(header) << YAML::Newline;
    if (!skipped.empty() || !data.notes.empty())
    {
        std::string s = "Not replayed:";
        for (const Captured *c : skipped)
            s += fmt::format("\n  - {} ({} calls): {}", one_line(c->query).substr(0, 160), c->calls, c->skip);
        for (const std::string &n : data.notes)
            s += "\n  - note: " + n;
        y << YAML::Comment(s) << YAML::Newline;
    }
    y << YAML::BeginMap;
    std::string name = "capture_";
    for (char ch : database)
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    y << YAML::Key << "name" << YAML::Value << name;
    y << YAML::Key << "description" << YAML::Value
      << fmt::format("{} hot statements of {} captured by perfgate capture", replayed.size(), database);
    y << YAML::Key << "sizes" << YAML::Value << YAML::Flow << YAML::BeginSeq << 1 << YAML::EndSeq;
    y << YAML::Key << "warmup" << YAML::Value << 2;
    y << YAML::Key << "iterations" << YAML::Value << o.iterations;
    // A captured statement whose plan changes is what the gate is for.
    y << YAML::Key << "gates" << YAML::Value << YAML::BeginMap << YAML::Key << "plan_changes" << YAML::Value
      << "fail" << YAML::EndMap;
    y << YAML::Key << "setup" << YAML::Value << YAML::BeginSeq;
    for (const DataStep &s : data.setup)
        emit_sql(y, s.sql, s.params);
    y << YAML::EndSeq;
    y << YAML::Key << "teardown" << YAML::Value << YAML::BeginSeq;
    for (const DataStep &s : data.teardown)
        emit_sql(y, s.sql, s.params);
    y << YAML::EndSeq;
    y << YAML::Key << "variants" << YAML::Value << YAML::BeginSeq;
    for (std::size_t i = 0; i < replayed.size(); ++i)
    {
        const Captured &c = *replayed[i];
        if (!c.plan.empty())
            y << YAML::Comment("plan on the server:\n" + c.plan);
        y << YAML::BeginMap;
        y << YAML::Key << "name" << YAML::Value << variant_name(c.query);
        y << YAML::Key << "description" << YAML::Value
          << fmt::format("{} calls ({:.1f}% of the captured calls){}: {}", c.calls,
                         100.0 * double(c.calls) / double(sum_calls),
                         c.placeholders == 0 ? ""
                         : o.redact && !c.redacted
                             ? ", real values"
                             : (o.redact ? ", values from pg_stats" : ", sampled values"),
                         one_line(c.query));
        y << YAML::Key << "steps" << YAML::Value << YAML::BeginSeq;
        for (int k = 0; k < weight[i]; ++k)
        {
            const std::vector<Param> params =
                c.placeholders > 0 ? c.samples[std::size_t(k) % c.samples.size()] : std::vector<Param>{};
            // Writes are undone, so that every iteration runs on the same data.
            if (c.dml)
                emit_sql(y, "BEGIN");
            emit_sql(y, c.query, params);
            if (c.dml)
                emit_sql(y, "ROLLBACK");
        }
        y << YAML::EndSeq << YAML::EndMap;
    }
    y << YAML::EndSeq << YAML::EndMap;
    if (!y.good())
        throw Error(fmt::format("capture: writing the workload failed: {}", y.GetLastError()));
    {
        std::ofstream f(o.output);
        f << y.c_str() << "\n";
        if (!f)
            throw InputError(fmt::format("capture: cannot write {}", o.output));
    }
    // What the run will read: a file that does not validate is a bug here, said now.
    load_workload(o.output);

    std::printf("perfgate capture: %zu statements of database \"%s\" written to %s (%d executions per "
                "iteration; largest deviation from the observed mix %.1f%%)\n",
                replayed.size(), database.c_str(), o.output.c_str(), sum_w, worst * 100);
    for (std::size_t i = 0; i < replayed.size(); ++i)
        std::printf("  %s  %8lld calls  x%-4d %s%s\n", variant_name(replayed[i]->query).c_str(),
                    static_cast<long long>(replayed[i]->calls), weight[i],
                    one_line(replayed[i]->query).substr(0, 100).c_str(),
                    replayed[i]->samples.empty()
                        ? ""
                        : fmt::format("  ({} samples)", replayed[i]->samples.size()).c_str());
    for (const Captured *c : skipped)
        std::printf("  not replayed: %s (%lld calls): %s\n", one_line(c->query).substr(0, 100).c_str(),
                    static_cast<long long>(c->calls), c->skip.c_str());
    for (const std::string &n : data.notes)
        std::printf("  note: %s\n", n.c_str());
    std::fflush(stdout);
}

} // namespace perfgate
