// The terminal report: per scenario a table of variants x sizes, each variant's growth class, and the
// measured ratio of each pair at each size; then the gate findings when there are any.
#include "report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace perfgate
{

std::vector<PairRatio> pair_ratios(const ScenarioResult &s, const Pair &p)
{
    std::vector<PairRatio> out;
    const VariantResult *b = s.variant(p.baseline), *c = s.variant(p.candidate);
    if (!b || !c)
        return out;
    for (const auto &cz : c->sizes)
        if (const SizeResult *bz = b->at(cz.n))
        {
            const double bm = bz->median_ms(), cm = cz.median_ms();
            if (bm > 0 && cm > 0)
                out.push_back({cz.n, bm / cm, bm, cm});
        }
    return out;
}

VariantGrowth variant_growth(const VariantResult &v)
{
    std::vector<std::int64_t> ns;
    std::vector<double> lat, stm;
    for (const auto &z : v.sizes)
    {
        ns.push_back(z.n);
        lat.push_back(z.median_ms());
        stm.push_back(static_cast<double>(z.statements));
    }
    return {fit_growth(ns, lat), fit_growth(ns, stm)};
}

std::string human_bytes(std::int64_t b)
{
    const double v = static_cast<double>(b);
    if (b < 1024)
        return fmt::format("{} B", b);
    if (b < 1024 * 1024)
        return fmt::format("{:.1f} kB", v / 1024);
    if (b < 1024LL * 1024 * 1024)
        return fmt::format("{:.1f} MB", v / 1024 / 1024);
    return fmt::format("{:.2f} GB", v / 1024 / 1024 / 1024);
}

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

std::string fmt_ratio(double r)
{
    if (r >= 1)
        return fmt::format("x{:.1f} faster", r);
    return fmt::format("x{:.1f} slower", 1 / r);
}

const char *verdict_word(Verdict v)
{
    switch (v)
    {
    case Verdict::fail:
        return "FAIL";
    case Verdict::improved:
        return "better";
    case Verdict::skipped:
        return "skip";
    default:
        return "ok";
    }
}

} // namespace

std::string render_text(const Results &r, const GateOutcome *gate)
{
    std::string out;
    out += fmt::format("perfgate {} on PostgreSQL {}, pg_perfgate extension {}\n", r.env.harness_version,
                       r.env.server_version,
                       r.env.extension ? "loaded" : "not loaded (client-side metrics only)");
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
        if (!s.antipatterns.empty())
        {
            out += "   pg_perfgate flagged:\n";
            for (const auto &a : s.antipatterns)
                out += fmt::format("     {} (n={}): {} - {}\n", a.value("variant", "?"), a.value("n", 0),
                                   a.value("kind", "?"),
                                   a.contains("advice") && a["advice"].is_string()
                                       ? a["advice"].get<std::string>()
                                       : std::string("(no advice)"));
        }
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
    if (gate)
    {
        out += "\n== gate ==\n";
        for (const auto &f : gate->findings)
            if (f.verdict != Verdict::pass)
                out += fmt::format("   [{}] {}: {}\n", verdict_word(f.verdict), f.gate, f.message);
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

} // namespace perfgate
