// What the reports share: pair ratios and growth of variants, sizes and speed ratios in words, the
// anti-pattern flags (which are new since the baseline, which explain a finding), the durability line.
// Each format's own rendering is in its report_*.cpp.
#include "report.hpp"

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

} // namespace perfgate
