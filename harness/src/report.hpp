// Renderers of results and gate outcomes: a terminal table, Markdown (for CI job summaries), JUnit XML
// (one test case per scenario and gate) and an SVG chart of latency against data size. Pure functions
// from Results to text; writing files is the caller's business.
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

std::string render_text(const Results &results, const GateOutcome *gate);
std::string render_markdown(const Results &results, const GateOutcome *gate);
std::string render_junit(const Results &results, const GateOutcome &gate);
std::string render_svg(const Results &results);

} // namespace perfgate
