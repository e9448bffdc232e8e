// JSON form of results files. Field names are the documented interface (docs/ci.md); keep them stable
// and bump results_format_version when their meaning changes.
#include "results.hpp"

#include "errors.hpp"
#include "gate.hpp"
#include "stats.hpp"

#include <fmt/format.h>

namespace perfgate
{

using nlohmann::json;

double SizeResult::median_ms() const
{
    return median(samples_ms);
}

const SizeResult *VariantResult::at(std::int64_t n) const
{
    for (const auto &s : sizes)
        if (s.n == n)
            return &s;
    return nullptr;
}

const VariantResult *ScenarioResult::variant(const std::string &name) const
{
    for (const auto &v : variants)
        if (v.name == name)
            return &v;
    return nullptr;
}

const ScenarioResult *Results::scenario(const std::string &name) const
{
    for (const auto &s : scenarios)
        if (s.name == name)
            return &s;
    return nullptr;
}

namespace
{

json statement_json(const ExtStatement &st)
{
    return {{"queryid", st.queryid},
            {"planid", st.planid},
            {"calls", st.calls},
            {"rows", st.rows},
            {"shared_blks_hit", st.shared_blks_hit},
            {"shared_blks_read", st.shared_blks_read},
            {"temp_blks_read", st.temp_blks_read},
            {"temp_blks_written", st.temp_blks_written},
            {"query", st.query},
            {"plan", st.plan}};
}

ExtStatement statement_from(const json &j)
{
    ExtStatement st;
    st.queryid = j.at("queryid");
    st.planid = j.at("planid");
    st.calls = j.at("calls");
    st.rows = j.at("rows");
    st.shared_blks_hit = j.value("shared_blks_hit", std::int64_t{0});
    st.shared_blks_read = j.value("shared_blks_read", std::int64_t{0});
    st.temp_blks_read = j.value("temp_blks_read", std::int64_t{0});
    st.temp_blks_written = j.value("temp_blks_written", std::int64_t{0});
    st.query = j.value("query", "");
    st.plan = j.value("plan", "");
    return st;
}

json ext_json(const ExtFigures &e)
{
    json statements = json::array();
    for (const auto &st : e.statements)
        statements.push_back(statement_json(st));
    return {{"statements", std::move(statements)},
            {"calls_by_query", e.calls_by_query},
            {"calls", e.calls},
            {"rows", e.rows},
            {"shared_blks_hit", e.shared_blks_hit},
            {"shared_blks_read", e.shared_blks_read},
            {"temp_blks_read", e.temp_blks_read},
            {"temp_blks_written", e.temp_blks_written},
            {"plan_ids", e.plan_ids}};
}

ExtFigures ext_from(const json &j)
{
    ExtFigures e;
    e.present = true;
    e.calls_by_query = j.at("calls_by_query").get<std::map<std::string, std::int64_t>>();
    e.calls = j.at("calls");
    e.rows = j.at("rows");
    e.shared_blks_hit = j.at("shared_blks_hit");
    e.shared_blks_read = j.at("shared_blks_read");
    e.temp_blks_read = j.at("temp_blks_read");
    e.temp_blks_written = j.at("temp_blks_written");
    e.plan_ids = j.at("plan_ids").get<std::set<std::string>>();
    // Results written before the statements were kept have none: nothing to name, nothing wrong.
    for (const json &st : j.value("statements", json::array()))
        e.statements.push_back(statement_from(st));
    return e;
}

json extension_state_json(const ExtensionState &x)
{
    return {{"use", to_string(x.use)},      {"schema", x.schema}, {"version", x.version},
            {"api_version", x.api_version}, {"reason", x.reason}, {"warning", x.warn()}};
}

ExtensionState extension_state_from(const json &j)
{
    ExtensionState x;
    const std::string use = j.value("use", "absent");
    x.use = use == "in use"     ? ExtensionState::Use::in_use
            : use == "unusable" ? ExtensionState::Use::unusable
                                : ExtensionState::Use::absent;
    x.schema = j.value("schema", "");
    x.version = j.value("version", "");
    x.api_version = j.value("api_version", 0);
    x.reason = j.value("reason", "");
    return x;
}

} // namespace

const char *to_string(ExtensionState::Use use)
{
    switch (use)
    {
    case ExtensionState::Use::in_use:
        return "in use";
    case ExtensionState::Use::unusable:
        return "unusable";
    default:
        return "absent";
    }
}

std::string describe(const ExtensionState &state)
{
    switch (state.use)
    {
    case ExtensionState::Use::in_use:
        return fmt::format("pg_perfgate {} in use (schema {}, API {})", state.version, state.schema,
                           state.api_version);
    case ExtensionState::Use::unusable:
        return fmt::format("pg_perfgate NOT USED: {}", state.reason);
    default:
        return fmt::format("pg_perfgate not used ({}): client-side metrics only", state.reason);
    }
}

json to_json(const GateOutcome &g)
{
    json arr = json::array();
    for (const auto &f : g.findings)
    {
        json j = {{"scenario", f.scenario},           {"variant", f.variant}, {"gate", f.gate}, {"n", f.n},
                  {"verdict", words(f.verdict).name}, {"message", f.message}};
        if (!f.evidence.empty())
            j["evidence"] = f.evidence;
        if (f.gate == "latency")
        {
            j["baseline_ms"] = f.baseline_ms;
            j["current_ms"] = f.current_ms;
            j["ratio"] = f.ratio;
            j["ci"] = {f.lower, f.upper};
            j["p"] = f.p;
        }
        arr.push_back(std::move(j));
    }
    return {{"regression", g.failed()}, {"findings", arr}, {"notes", g.notes}};
}

json to_json(const Results &r)
{
    json scenarios = json::array();
    for (const auto &s : r.scenarios)
    {
        json variants = json::array();
        for (const auto &v : s.variants)
        {
            json sizes = json::array();
            for (const auto &z : v.sizes)
            {
                json js = {{"n", z.n},
                           {"median_ms", z.median_ms()},
                           {"samples_ms", z.samples_ms},
                           {"statements", z.statements},
                           {"round_trips", z.round_trips},
                           {"rows_returned", z.rows_returned},
                           {"rows_affected", z.rows_affected},
                           {"bytes_received", z.bytes_received},
                           {"peak_result_bytes", z.peak_result_bytes},
                           {"stable", z.stable},
                           {"plans", z.plans}};
                if (z.ext.present)
                    js["extension"] = ext_json(z.ext);
                sizes.push_back(std::move(js));
            }
            variants.push_back({{"name", v.name},
                                {"description", v.description},
                                {"hash", v.hash},
                                {"batched", v.batched},
                                {"sizes", std::move(sizes)}});
        }
        json pairs = json::array();
        for (const auto &p : s.pairs)
            pairs.push_back({{"label", p.label}, {"baseline", p.baseline}, {"candidate", p.candidate}});
        scenarios.push_back({{"name", s.name},
                             {"description", s.description},
                             {"file", s.file},
                             {"file_hash", s.file_hash},
                             {"data_hash", s.data_hash},
                             {"source", s.source},
                             {"data_hashes", s.data_hashes},
                             {"settings", s.settings},
                             {"sizes", s.sizes},
                             {"warmup", s.warmup},
                             {"iterations", s.iterations},
                             {"gates",
                              {{"min_effect", s.gates.min_effect},
                               {"alpha", s.gates.alpha},
                               {"buffer_tolerance", s.gates.buffer_tolerance},
                               {"latency", s.gates.latency},
                               {"plans", s.gates.plans},
                               {"plan_changes", s.gates.plan_changes_fail ? "fail" : "judge"}}},
                             {"pairs", std::move(pairs)},
                             {"variants", std::move(variants)},
                             {"antipatterns", s.antipatterns}});
    }
    return {{"format", "perfgate-results"},
            {"format_version", r.format_version},
            {"created_at", r.created_at},
            {"environment",
             {{"server_version", r.env.server_version},
              {"server_version_num", r.env.server_version_num},
              {"settings", r.env.settings},
              {"run_settings", r.env.run_settings},
              {"extension", r.env.extension},
              {"extension_state", extension_state_json(r.env.extension_state)},
              {"harness_version", r.env.harness_version}}},
            {"scenarios", std::move(scenarios)}};
}

Results results_from_json(const json &j, const std::string &origin)
{
    if (!j.is_object() || j.value("format", "") != "perfgate-results")
        throw BaselineError(
            fmt::format("{}: not a perfgate results file (no \"format\": \"perfgate-results\")", origin));
    const int version = j.value("format_version", 0);
    if (version != results_format_version)
        throw BaselineError(
            fmt::format("{}: results format version {} cannot be compared by this perfgate, which "
                        "reads version {}; record a new baseline with this version",
                        origin, version, results_format_version));
    try
    {
        Results r;
        r.format_version = version;
        r.created_at = j.value("created_at", "");
        const json &env = j.at("environment");
        r.env.server_version = env.at("server_version");
        r.env.server_version_num = env.at("server_version_num");
        r.env.settings = env.at("settings").get<std::map<std::string, std::string>>();
        r.env.run_settings =
            env.value("run_settings", json::object()).get<std::map<std::string, std::string>>();
        r.env.extension = env.at("extension");
        if (env.contains("extension_state"))
            r.env.extension_state = extension_state_from(env.at("extension_state"));
        else if (r.env.extension)
            r.env.extension_state.use = ExtensionState::Use::in_use;
        r.env.harness_version = env.at("harness_version");
        for (const json &js : j.at("scenarios"))
        {
            ScenarioResult s;
            s.name = js.at("name");
            s.description = js.value("description", "");
            s.file = js.value("file", "");
            s.file_hash = js.value("file_hash", "");
            s.data_hash = js.at("data_hash");
            s.source = js.value("source", "");
            s.data_hashes = js.value("data_hashes", json::object()).get<std::map<std::string, std::string>>();
            s.settings = js.value("settings", json::object()).get<std::map<std::string, std::string>>();
            s.sizes = js.at("sizes").get<std::vector<std::int64_t>>();
            s.warmup = js.at("warmup");
            s.iterations = js.at("iterations");
            const json &g = js.at("gates");
            s.gates.min_effect = g.at("min_effect");
            s.gates.alpha = g.at("alpha");
            s.gates.buffer_tolerance = g.at("buffer_tolerance");
            s.gates.latency = g.at("latency");
            s.gates.plans = g.at("plans");
            s.gates.plan_changes_fail = g.value("plan_changes", "judge") == "fail";
            for (const json &p : js.at("pairs"))
                s.pairs.push_back({p.at("label"), p.at("baseline"), p.at("candidate")});
            for (const json &jv : js.at("variants"))
            {
                VariantResult v;
                v.name = jv.at("name");
                v.description = jv.value("description", "");
                v.hash = jv.value("hash", "");
                v.batched = jv.at("batched");
                for (const json &jz : jv.at("sizes"))
                {
                    SizeResult z;
                    z.n = jz.at("n");
                    z.samples_ms = jz.at("samples_ms").get<std::vector<double>>();
                    z.statements = jz.at("statements");
                    z.round_trips = jz.at("round_trips");
                    z.rows_returned = jz.at("rows_returned");
                    z.rows_affected = jz.at("rows_affected");
                    z.bytes_received = jz.at("bytes_received");
                    z.peak_result_bytes = jz.at("peak_result_bytes");
                    z.stable = jz.at("stable");
                    z.plans = jz.at("plans").get<std::map<std::string, std::string>>();
                    if (jz.contains("extension"))
                        z.ext = ext_from(jz.at("extension"));
                    v.sizes.push_back(std::move(z));
                }
                s.variants.push_back(std::move(v));
            }
            s.antipatterns = js.value("antipatterns", json::array());
            r.scenarios.push_back(std::move(s));
        }
        return r;
    }
    catch (const json::exception &e)
    {
        throw BaselineError(fmt::format("{}: malformed results file: {}", origin, e.what()));
    }
}

} // namespace perfgate
