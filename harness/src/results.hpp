// What a run measured, independent of how it was measured: the in-memory form of a results file
// (and of a baseline, which is a results file kept for later). PG-free so the gate and the reports can
// be unit-tested on constructed results. The JSON form carries `format_version`; readers reject other
// versions instead of guessing.
#pragma once

#include "workload.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace perfgate
{

inline constexpr int results_format_version = 1;

// Whether the run could read pg_perfgate, and if not, why (see extension.hpp).
struct ExtensionState
{
    enum class Use
    {
        in_use,   // the contract holds: every figure below comes from the extension
        absent,   // not on this server
        unusable, // on the server (or shipped with perfgate) but not usable: `reason` says why
    };
    Use use = Use::absent;
    std::string schema, version; // where it lives (quoted) and its extversion
    int api_version = 0;
    std::string reason; // why it is not in use; empty when in use
    // Not using it is a warning (stderr and every report): the server or the embedded cluster has it.
    bool warn() const { return use == Use::unusable; }
};
const char *to_string(ExtensionState::Use use);
// One line for the terminal and the reports: "pg_perfgate 1.0 in use (schema public, API 2)" or why not.
std::string describe(const ExtensionState &state);

// One statement (query id, plan id) of a variant, as pg_perfgate recorded it during the variant's
// last measured iteration; texts name tables, not OIDs, so they match across runs and arms.
struct ExtStatement
{
    std::string queryid, planid;
    std::int64_t calls = 0, rows = 0, shared_blks_hit = 0, shared_blks_read = 0, temp_blks_read = 0,
                 temp_blks_written = 0;
    std::string query, plan; // normalized text, plan shape (EXPLAIN, costs off); empty if not readable
};

// The extension's view of one variant at one size (last measured iteration), when it is installed.
struct ExtFigures
{
    bool present = false;
    std::vector<ExtStatement> statements;
    std::map<std::string, std::int64_t> calls_by_query; // query id -> calls
    std::int64_t calls = 0, rows = 0;
    std::int64_t shared_blks_hit = 0, shared_blks_read = 0, temp_blks_read = 0, temp_blks_written = 0;
    std::set<std::string> plan_ids;
};

struct SizeResult
{
    std::int64_t n = 0;
    std::vector<double> samples_ms; // client latency, one per measured iteration
    std::int64_t statements = 0, round_trips = 0, rows_returned = 0, rows_affected = 0;
    std::int64_t bytes_received = 0, peak_result_bytes = 0;
    bool stable = true;                       // the counts above were identical in every measured iteration
    std::map<std::string, std::string> plans; // plan shape hash -> shape (EXPLAIN, costs off)
    ExtFigures ext;
    double median_ms() const;
};

struct VariantResult
{
    std::string name, description, hash;
    bool batched = false;
    std::vector<SizeResult> sizes;
    const SizeResult *at(std::int64_t n) const;
};

struct ScenarioResult
{
    std::string name, description, file, file_hash, data_hash;
    std::string source; // workload file text, for A/B re-runs of this version
    // Data set name -> generation hash, for the data sets the steps use (see data_hashes()); empty in
    // results written before it existed, which are compared by data_hash instead.
    std::map<std::string, std::string> data_hashes;
    std::map<std::string, std::string> settings; // the workload's `settings:`, part of the code under test
    std::vector<std::int64_t> sizes;
    int warmup = 0, iterations = 0;
    GateConfig gates;
    std::vector<Pair> pairs;
    std::vector<VariantResult> variants;
    nlohmann::json antipatterns = nlohmann::json::array();
    const VariantResult *variant(const std::string &name) const;
};

struct Environment
{
    std::string server_version;
    int server_version_num = 0;
    std::map<std::string, std::string> settings;     // server values of the settings that change plans
    std::map<std::string, std::string> run_settings; // `--set name=value` of the run, as given
    bool extension = false; // the extension's figures are in the results (ExtensionState::Use::in_use)
    ExtensionState extension_state;
    std::string harness_version;
};

struct Results
{
    int format_version = results_format_version;
    std::string created_at;
    Environment env;
    std::vector<ScenarioResult> scenarios;
    const ScenarioResult *scenario(const std::string &name) const;
};

nlohmann::json to_json(const Results &r);
// The gate's findings and notes, the `gate` member of a results JSON written by `gate`, `compare`, `ab`
// and `run` (see gate.hpp).
struct GateOutcome;
nlohmann::json to_json(const GateOutcome &gate);
// Throws BaselineError naming `origin` when the document is not a results file of this format version.
Results results_from_json(const nlohmann::json &j, const std::string &origin);

} // namespace perfgate
