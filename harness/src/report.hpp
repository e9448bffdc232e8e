// The reports' shared vocabulary (report_common.cpp: pair ratios, growth, speed ratios in words,
// anti-pattern flags, durability) and each format's renderer: the terminal table (report_text.cpp),
// Markdown for CI job summaries (report_markdown.cpp), JUnit XML, one test case per scenario and gate
// (report_junit.cpp), JSON (report_json.cpp) and an SVG chart of latency against data size
// (report_svg.cpp). Pure functions from Results to text; export.hpp puts each behind the Exporter
// interface, and writing files is the caller's business.
#pragma once

#include "gate.hpp"
#include "growth.hpp"
#include "results.hpp"

#include <string>
#include <vector>

namespace perfgate
{

// How many times faster `candidate` is than `baseline` at each size (ratio of medians).
struct PairRatio
{
    std::int64_t n = 0;
    double ratio = 0;
    double baseline_ms = 0, candidate_ms = 0;
};
std::vector<PairRatio> pair_ratios(const ScenarioResult &s, const Pair &p);

// Growth exponent of a variant's median latency and of its statement count across sizes.
struct VariantGrowth
{
    Growth latency;
    Growth statements;
};
VariantGrowth variant_growth(const VariantResult &v);

std::string human_bytes(std::int64_t bytes);
// A ratio of times (new / old) in words, stated the same way in every report: "x1.30 slower",
// "x2.00 faster", "same".
std::string speed_words(double time_ratio);

// Anti-pattern flags (rows of pg_perfgate_antipatterns tagged with variant and n by the runner).
// A flag is the same flag in two runs when kind, variant and statement text agree (query ids are not
// stable across runs: they hash relation oids).
std::string flag_identity(const nlohmann::json &flag);
// The flags of `s` that the same scenario of `baseline` did not have (all of them without a baseline).
std::vector<nlohmann::json> new_flags(const ScenarioResult &s, const Results *baseline);
// The flags that explain a finding: those of its scenario and variant, at its size when it has one.
std::vector<nlohmann::json> flags_explaining(const Results &r, const Finding &f);
std::string describe_flag(const nlohmann::json &flag);
// "fsync on, synchronous_commit on, full_page_writes on": what a commit cost in this run.
std::string durability(const Environment &env);

// `baseline` (optional) is what the gate compared with: anti-pattern flags it already had are not
// shown as new, and the side-by-side table names its figures.
std::string render_text(const Results &results, const GateOutcome *gate, const Results *baseline = nullptr);
std::string render_markdown(const Results &results, const GateOutcome *gate,
                            const Results *baseline = nullptr);
std::string render_junit(const Results &results, const GateOutcome &gate);
std::string render_svg(const Results &results);

// A run that ended without a verdict (exit code 2 or 3): the reports still say what went wrong.
struct RunError
{
    std::string command; // run, gate, compare, ab, demo
    int exit_code = 2;
    std::string kind; // input, connection, sql, baseline, internal
    std::string message;
};
std::string render_error_markdown(const RunError &error);
std::string render_error_junit(const RunError &error);
nlohmann::json error_json(const RunError &error);

} // namespace perfgate
