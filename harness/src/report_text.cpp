// The terminal report: per scenario a table of variants x sizes, each variant's growth class, and the
// measured ratio of each pair at each size; then the gate: a side-by-side table of the latency
// comparisons (baseline | current | ratio | interval | verdict, as hyperfine and compare.py show
// them) and the findings, each with the anti-pattern flags that explain it.
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <set>

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

std::string speed_words(double time_ratio)
{
    if (!(time_ratio > 0) || !std::isfinite(time_ratio))
        return "n/a";
    if (std::abs(time_ratio - 1) < 0.005)
        return "same";
    if (time_ratio > 1)
        return fmt::format("x{:.2f} slower", time_ratio);
    return fmt::format("x{:.2f} faster", 1 / time_ratio);
}

std::string flag_identity(const nlohmann::json &flag)
{
    const auto text = [&](const char *key)
    {
        if (!flag.contains(key))
            return std::string();
        return flag[key].is_string() ? flag[key].get<std::string>() : flag[key].dump();
    };
    const std::string query = text("query");
    return text("kind") + "|" + text("variant") + "|" + (query.empty() ? text("queryid") : query);
}

std::vector<nlohmann::json> new_flags(const ScenarioResult &s, const Results *baseline)
{
    std::set<std::string> known;
    if (const ScenarioResult *b = baseline ? baseline->scenario(s.name) : nullptr)
        for (const auto &flag : b->antipatterns)
            known.insert(flag_identity(flag));
    std::vector<nlohmann::json> out;
    for (const auto &flag : s.antipatterns)
        if (!known.count(flag_identity(flag)))
            out.push_back(flag);
    return out;
}

std::vector<nlohmann::json> flags_explaining(const Results &r, const Finding &f)
{
    std::vector<nlohmann::json> out;
    if (const ScenarioResult *s = r.scenario(f.scenario))
        for (const auto &flag : s->antipatterns)
            if (flag.value("variant", "") == f.variant &&
                (f.n == 0 || flag.value("n", std::int64_t{0}) == f.n))
                out.push_back(flag);
    return out;
}

std::string durability(const Environment &env)
{
    std::vector<std::string> parts;
    for (const char *name : {"fsync", "synchronous_commit", "full_page_writes"})
        if (const auto it = env.settings.find(name); it != env.settings.end())
            parts.push_back(fmt::format("{} {}", name, it->second));
    return fmt::format("{}", fmt::join(parts, ", "));
}

std::string describe_flag(const nlohmann::json &flag)
{
    std::string out = flag.value("kind", "?");
    if (flag.contains("advice") && flag["advice"].is_string())
        out += " - " + flag["advice"].get<std::string>();
    return out;
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

// A pair's ratio is how many times faster the candidate is; say it as the gate does.
std::string fmt_ratio(double speedup)
{
    return speed_words(1 / speedup);
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
    case Verdict::changed:
        return "changed";
    default:
        return "ok";
    }
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
            measured ? fmt::format("x{:.2f}-x{:.2f}", f->lower, f->upper) : "-", verdict_word(f->verdict));
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
                out += fmt::format("   [{}] {}: {}\n", verdict_word(f.verdict), f.gate, f.message);
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

} // namespace perfgate
