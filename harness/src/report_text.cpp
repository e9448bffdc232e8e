// The terminal report: per scenario a table of variants x sizes, each variant's growth class, and the
// measured ratio of each pair at each size; then the gate: a side-by-side table of the latency
// comparisons (baseline | current | ratio | interval | verdict, as hyperfine and compare.py show
// them) and the findings, each with the anti-pattern flags that explain it.
#include "export.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace perfgate
{

namespace
{

std::string fmt_ms(double ms)
{
    if (ms >= 100)
        return fmt::format("{:.0f}", ms);
    if (ms >= 1)
        return fmt::format("{:.2f}", ms);
    return fmt::format("{:.3f}", ms);
}

// A pair's ratio is how many times faster the candidate is; say it as the gate does.
std::string fmt_ratio(double speedup)
{
    return speed_words(1 / speedup);
}

// The latency comparisons as one table, one row per variant and size.
std::string side_by_side(const GateOutcome &gate)
{
    std::vector<const Finding *> rows;
    std::size_t w = 16;
    for (const auto &f : gate.findings)
        if (f.gate == "latency")
        {
            rows.push_back(&f);
            w = std::max(w, f.scenario.size() + 3 + f.variant.size());
        }
    if (rows.empty())
        return "";
    std::string out = fmt::format("   {:<{}} {:>8} {:>12} {:>12} {:>14} {:>15}  {}\n", "scenario / variant",
                                  w, "n", "baseline ms", "current ms", "ratio", "interval", "verdict");
    for (const Finding *f : rows)
    {
        const bool measured = f->ratio > 0;
        out += fmt::format(
            "   {:<{}} {:>8} {:>12} {:>12} {:>14} {:>15}  {}\n", f->scenario + " / " + f->variant, w, f->n,
            fmt_ms(f->baseline_ms), fmt_ms(f->current_ms), measured ? speed_words(f->ratio) : "-",
            measured ? fmt::format("x{:.2f}-x{:.2f}", f->lower, f->upper) : "-", words(f->verdict).word);
    }
    return out;
}

// What the extension found, one line per variant: the kinds of the findings about the statements
// each variant sent, "-" for none. The headline a reader checks against the variants' names.
std::string findings_by_variant(const Results &r)
{
    if (!r.env.extension)
        return "";
    std::string out;
    for (const auto &s : r.scenarios)
    {
        std::vector<std::string> parts;
        for (const auto &v : s.variants)
        {
            std::set<std::string> kinds;
            for (const auto &flag : s.antipatterns)
                if (flag.value("variant", "") == v.name)
                    kinds.insert(flag.value("kind", "?"));
            parts.push_back(
                fmt::format("{} {}", v.name, kinds.empty() ? "-" : fmt::format("{}", fmt::join(kinds, ","))));
        }
        out += fmt::format("   {:<12} {}\n", s.name, fmt::join(parts, "; "));
    }
    return "\n== pg_perfgate findings by variant (kinds found on the statements each variant sent) ==\n" +
           out;
}

} // namespace

std::string render_text(const Results &r, const GateOutcome *gate, const Results *baseline)
{
    std::string out;
    out += fmt::format("perfgate {} on PostgreSQL {}, {}\n", r.env.harness_version, r.env.server_version,
                       describe(r.env.extension_state));
    if (const std::string d = durability(r.env); !d.empty())
        out += fmt::format("durability: {}\n", d);
    for (const auto &s : r.scenarios)
    {
        out += fmt::format("\n== {} ==\n", s.name);
        if (!s.description.empty())
            out += fmt::format("   {}\n", s.description);
        out += fmt::format(
            "   {} measured iterations per variant and size, {} warm-up, variants interleaved\n\n",
            s.iterations, s.warmup);
        std::size_t w = 7;
        for (const auto &v : s.variants)
            w = std::max(w, v.name.size());
        out += fmt::format("   {:<{}} {:>8} {:>10} {:>10} {:>7} {:>7} {:>8} {:>10} {:>10}", "variant", w, "n",
                           "median ms", "p90 ms", "stmts", "trips", "rows", "received", "peak mem");
        const bool ext = std::any_of(s.variants.begin(), s.variants.end(),
                                     [](const VariantResult &v)
                                     { return !v.sizes.empty() && v.sizes.front().ext.present; });
        if (ext)
            out += fmt::format(" {:>9} {:>6}", "buffers", "plans");
        out += "\n";
        for (const auto &v : s.variants)
            for (const auto &z : v.sizes)
            {
                std::vector<double> sorted = z.samples_ms;
                std::sort(sorted.begin(), sorted.end());
                const double p90 =
                    sorted.empty() ? 0 : sorted[std::min(sorted.size() - 1, sorted.size() * 9 / 10)];
                out += fmt::format("   {:<{}} {:>8} {:>10} {:>10} {:>7} {:>7} {:>8} {:>10} {:>10}", v.name, w,
                                   z.n, fmt_ms(z.median_ms()), fmt_ms(p90), z.statements, z.round_trips,
                                   z.rows_returned + z.rows_affected, human_bytes(z.bytes_received),
                                   human_bytes(z.peak_result_bytes));
                if (ext)
                    out += fmt::format(" {:>9} {:>6}", z.ext.shared_blks_hit + z.ext.shared_blks_read,
                                       z.ext.plan_ids.size());
                out += z.stable ? "\n" : "  (counts vary)\n";
            }
        out += "\n   growth with n (log-log slope over the larger sizes):\n";
        for (const auto &v : s.variants)
        {
            const VariantGrowth g = variant_growth(v);
            out += fmt::format(
                "     {:<{}}  latency {:<11} (exponent {:5.2f})   statements {:<11} (exponent {:5.2f})\n",
                v.name, w, to_string(g.latency.cls), g.latency.exponent, to_string(g.statements.cls),
                g.statements.exponent);
        }
        for (const auto &p : s.pairs)
        {
            out += fmt::format("   {}:", p.label);
            for (const auto &pr : pair_ratios(s, p))
                out += fmt::format("  n={} {}", pr.n, fmt_ratio(pr.ratio));
            out += "\n";
        }
        const auto flags = new_flags(s, baseline);
        if (!flags.empty())
        {
            out +=
                baseline ? "   pg_perfgate flagged (new since the baseline):\n" : "   pg_perfgate flagged:\n";
            for (const auto &a : flags)
                out += fmt::format("     {} (n={}): {}\n", a.value("variant", "?"), a.value("n", 0),
                                   describe_flag(a));
        }
        if (const std::size_t known = s.antipatterns.size() - flags.size())
            out += fmt::format("   pg_perfgate: {} flag(s) already in the baseline, not repeated\n", known);
    }
    // The headline: each pair at the largest size measured, with how both sides grow.
    std::string summary;
    for (const auto &s : r.scenarios)
        for (const auto &p : s.pairs)
        {
            const auto ratios = pair_ratios(s, p);
            const VariantResult *b = s.variant(p.baseline), *c = s.variant(p.candidate);
            if (ratios.empty() || !b || !c)
                continue;
            const PairRatio &last = ratios.back();
            const VariantGrowth gb = variant_growth(*b), gc = variant_growth(*c);
            summary +=
                fmt::format("   {:<12} {:<31} {:>14} at n={:<7} {} {} ({:.2f}), {} {} ({:.2f})", s.name,
                            p.label, fmt_ratio(last.ratio), last.n, p.baseline, to_string(gb.latency.cls),
                            gb.latency.exponent, p.candidate, to_string(gc.latency.cls), gc.latency.exponent);
            // The deterministic side of the story, when it differs: statements, client memory, bytes.
            const SizeResult *bz = b->at(last.n), *cz = c->at(last.n);
            const auto differs = [](std::int64_t x, std::int64_t y) { return x > 4 * y || y > 4 * x; };
            if (bz && cz && bz->statements != cz->statements)
                summary += fmt::format("; statements {} -> {}", bz->statements, cz->statements);
            if (bz && cz && differs(bz->peak_result_bytes, cz->peak_result_bytes))
                summary += fmt::format("; peak client memory {} -> {}", human_bytes(bz->peak_result_bytes),
                                       human_bytes(cz->peak_result_bytes));
            if (bz && cz && differs(bz->bytes_received, cz->bytes_received))
                summary += fmt::format("; received {} -> {}", human_bytes(bz->bytes_received),
                                       human_bytes(cz->bytes_received));
            summary += "\n";
        }
    if (!summary.empty())
        out += "\n== summary: what each fix buys on this machine (largest n; latency growth exponents) ==\n" +
               summary;
    out += findings_by_variant(r);
    if (gate)
    {
        out += "\n== gate ==\n";
        if (const std::string table = side_by_side(*gate); !table.empty())
            out += "   latency, side by side (ratio: current time / baseline time; interval: its confidence "
                   "interval):\n" +
                   table + "\n";
        std::set<std::string> said; // evidence shared by several gates of one variant is said once
        for (const auto &f : gate->findings)
            if (f.verdict != Verdict::pass)
            {
                out += fmt::format("   [{}] {}: {}\n", words(f.verdict).word, f.gate, f.message);
                for (const auto &line : f.evidence)
                    if (said.insert(fmt::format("{}|{}|{}|{}", f.scenario, f.variant, f.n, line)).second)
                        out += fmt::format("         pg_perfgate: {}\n", line);
                if (f.verdict == Verdict::fail)
                    for (const auto &flag : flags_explaining(r, f))
                        out += fmt::format("         pg_perfgate flagged this variant: {}\n",
                                           describe_flag(flag));
            }
        for (const auto &n : gate->notes)
            out += fmt::format("   note: {}\n", n);
        const int latency_checks =
            static_cast<int>(std::count_if(gate->findings.begin(), gate->findings.end(),
                                           [](const Finding &f) { return f.gate == "latency"; }));
        out += fmt::format(
            "   result: {} ({} failed, {} improved; {} scenario/gate checks, {} latency comparisons)\n",
            gate->failed() ? "REGRESSION" : "pass", gate->count(Verdict::fail),
            gate->count(Verdict::improved), gate->checked.size(), latency_checks);
    }
    return out;
}

namespace
{

class TextExporter final : public Exporter
{
  public:
    std::string render(const Results &r, const GateOutcome *gate, const Results *baseline) const override
    {
        return render_text(r, gate, baseline);
    }
};

} // namespace

const Exporter &text_exporter()
{
    static const TextExporter exporter;
    return exporter;
}

} // namespace perfgate
