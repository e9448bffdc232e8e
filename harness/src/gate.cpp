// Gate evaluation. See gate.hpp. Messages are written for the person reading a failed CI job: they
// name the scenario, variant, size and metric and give both values.
#include "gate.hpp"

#include "baseline.hpp"
#include "evidence.hpp"
#include "growth.hpp"
#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace perfgate
{

const VerdictWords &words(Verdict v)
{
    static constexpr VerdictWords table[] = {{"pass", "ok", "pass"},
                                             {"fail", "FAIL", "**fail**"},
                                             {"improved", "better", "improved"},
                                             {"skipped", "skip", "skipped"},
                                             {"changed", "changed", "changed"}};
    return table[static_cast<int>(v)];
}

bool GateOutcome::failed() const
{
    return count(Verdict::fail) > 0;
}

int GateOutcome::count(Verdict v) const
{
    return static_cast<int>(
        std::count_if(findings.begin(), findings.end(), [&](const Finding &f) { return f.verdict == v; }));
}

namespace
{

struct Checker
{
    GateOutcome &out;
    const ScenarioResult &s;
    std::set<std::string> checked;

    void add(const std::string &variant, const std::string &gate, std::int64_t n, Verdict v, std::string msg)
    {
        Finding f;
        f.scenario = s.name;
        f.variant = variant;
        f.gate = gate;
        f.n = n;
        f.verdict = v;
        f.message = std::move(msg);
        out.findings.push_back(std::move(f));
    }
    std::string where(const std::string &variant, std::int64_t n) const
    {
        return fmt::format("scenario '{}', variant '{}', n={}", s.name, variant, n);
    }

    // Lower is better for every counted metric; `slack` absorbs tolerated noise (buffers only).
    void counted(const std::string &variant, const std::string &gate, const char *label, std::int64_t n,
                 std::int64_t base, std::int64_t cur, double slack = 0)
    {
        checked.insert(gate);
        if (static_cast<double>(cur) > static_cast<double>(base) + slack)
            add(variant, gate, n, Verdict::fail,
                fmt::format("{}: {} per iteration rose from {} to {}", where(variant, n), label, base, cur));
        else if (static_cast<double>(cur) < static_cast<double>(base) - slack)
            add(variant, gate, n, Verdict::improved,
                fmt::format("{}: {} per iteration fell from {} to {}", where(variant, n), label, base, cur));
    }

    void plans(const std::string &variant, const std::string &gate, std::int64_t n,
               const std::map<std::string, std::string> &base, const std::map<std::string, std::string> &cur)
    {
        checked.insert(gate);
        std::vector<std::string> gone, added;
        for (const auto &[h, shape] : base)
            if (!cur.count(h))
                gone.push_back(shape.empty() ? h : shape);
        for (const auto &[h, shape] : cur)
            if (!base.count(h))
                added.push_back(shape.empty() ? h : shape);
        if (gone.empty() && added.empty())
            return;
        auto flat = [](std::vector<std::string> v)
        {
            for (auto &s : v)
            {
                while (!s.empty() && s.back() == '\n')
                    s.pop_back();
                std::string one;
                for (std::size_t i = 0; i < s.size(); ++i)
                {
                    if (s[i] == '\n')
                    {
                        one += " / ";
                        while (i + 1 < s.size() && s[i + 1] == ' ')
                            ++i;
                    }
                    else
                        one += s[i];
                }
                s = one;
            }
            return fmt::format("{}", fmt::join(v, "; "));
        };
        add(variant, gate, n, Verdict::fail,
            fmt::format("{}: plan changed: was [{}], now [{}]", where(variant, n), flat(gone), flat(added)));
        Finding &f = out.findings.back();
        f.change = f.message;
        f.judged = !s.gates.plan_changes_fail;
        if (!f.judged)
            f.message += " (gates.plan_changes: fail)";
    }

    // Every latency finding carries both medians, for the reports' side-by-side table.
    void latency(const VariantResult &v, const SizeResult &b, const SizeResult &c, bool interleaved,
                 bool gated)
    {
        latency_verdict(v, b, c, interleaved, gated);
        out.findings.back().baseline_ms = b.median_ms();
        out.findings.back().current_ms = c.median_ms();
    }

    void latency_verdict(const VariantResult &v, const SizeResult &b, const SizeResult &c, bool interleaved,
                         bool gated)
    {
        checked.insert("latency");
        const GateConfig &g = s.gates;
        if (b.samples_ms.size() < 10 || c.samples_ms.size() < 10)
        {
            add(v.name, "latency", c.n, Verdict::skipped,
                fmt::format("{}: latency not gated: {} and {} samples, at least 10 a side are needed",
                            where(v.name, c.n), b.samples_ms.size(), c.samples_ms.size()));
            return;
        }
        const auto positive = [](const std::vector<double> &v)
        { return std::all_of(v.begin(), v.end(), [](double x) { return x > 0; }); };
        if (!positive(b.samples_ms) || !positive(c.samples_ms))
        {
            add(v.name, "latency", c.n, Verdict::skipped,
                fmt::format("{}: latency not gated: a sample took no measurable time", where(v.name, c.n)));
            return;
        }
        const MannWhitney slower = mann_whitney_greater(c.samples_ms, b.samples_ms);
        const MannWhitney faster = mann_whitney_greater(b.samples_ms, c.samples_ms);
        const RatioInterval ci = ratio_interval(c.samples_ms, b.samples_ms, 1 - 2 * g.alpha);
        Verdict verdict = Verdict::pass;
        if (slower.p < g.alpha && ci.lower > 1 + g.min_effect)
            verdict = Verdict::fail;
        else if (faster.p < g.alpha && ci.upper < 1 / (1 + g.min_effect))
            verdict = Verdict::improved;
        Finding f;
        f.scenario = s.name;
        f.variant = v.name;
        f.gate = "latency";
        f.n = c.n;
        f.verdict = verdict;
        f.ratio = ci.estimate;
        f.lower = ci.lower;
        f.upper = ci.upper;
        f.p = verdict == Verdict::improved ? faster.p : slower.p;
        f.message = fmt::format(
            "{}: latency median {:.3f} ms -> {:.3f} ms, ratio x{:.2f} ({:.0f}% CI x{:.2f}-x{:.2f}), "
            "Mann-Whitney p={:.2g}, against {}; threshold: p < {} and CI above x{:.2f}",
            where(v.name, c.n), b.median_ms(), c.median_ms(), ci.estimate, ci.confidence * 100, ci.lower,
            ci.upper, f.p, interleaved ? "interleaved baseline samples" : "the stored baseline", g.alpha,
            1 + g.min_effect);
        if (!gated && verdict != Verdict::pass)
        {
            f.verdict = Verdict::skipped;
            f.message += "; informational only: the stored samples come from another run, not interleaved "
                         "with this one (`perfgate gate` re-runs the baseline interleaved)";
        }
        out.findings.push_back(std::move(f));
    }

    void growth(const VariantResult &v)
    {
        if (!v.batched || v.sizes.size() < 2)
            return;
        checked.insert("growth");
        std::vector<std::int64_t> ns;
        std::vector<double> counts;
        for (const auto &z : v.sizes)
        {
            ns.push_back(z.n);
            counts.push_back(static_cast<double>(z.statements));
        }
        const auto [lo, hi] = std::minmax_element(counts.begin(), counts.end());
        if (*lo == *hi)
            return;
        const Growth gr = fit_growth(ns, counts);
        add(v.name, "growth", 0, Verdict::fail,
            fmt::format("scenario '{}', variant '{}': statements per iteration grow with n ({} at n={} -> {} "
                        "at n={}, "
                        "exponent {:.2f}); a batched variant must send O(1) statements",
                        s.name, v.name, v.sizes.front().statements, v.sizes.front().n,
                        v.sizes.back().statements, v.sizes.back().n, gr.exponent));
    }
};

} // namespace

namespace
{

// How many of a variant's calls ran each plan shape of each statement (the extension's figures).
std::map<std::pair<std::string, std::string>, std::int64_t> plan_mix(const ExtFigures &e)
{
    std::map<std::pair<std::string, std::string>, std::int64_t> out;
    for (const auto &st : e.statements)
        out[{st.query, st.plan}] += st.calls;
    return out;
}

// Whether both runs ran the same plan shapes, but not as often each: a statement whose plan depends
// on its parameter values, on statistics that ANALYZE drew from a random sample (a table of more
// than 300 x default_statistics_target rows). Its buffers then follow that draw, not the code.
bool same_plans_other_mix(const ExtFigures &a, const ExtFigures &b)
{
    const auto ma = plan_mix(a), mb = plan_mix(b);
    if (ma == mb || ma.size() != mb.size())
        return false;
    for (auto ia = ma.begin(), ib = mb.begin(); ia != ma.end(); ++ia, ++ib)
        if (ia->first != ib->first)
            return false;
    return true;
}

} // namespace

namespace
{

// A judged plan change fails with the first other failing gate of its variant and size.
void judge_plan_changes(GateOutcome &out)
{
    for (auto &f : out.findings)
    {
        if (!f.judged)
            continue;
        const auto worse = std::find_if(out.findings.begin(), out.findings.end(),
                                        [&](const Finding &o)
                                        {
                                            return &o != &f && o.verdict == Verdict::fail &&
                                                   o.gate != "plans" && o.scenario == f.scenario &&
                                                   o.variant == f.variant && o.n == f.n;
                                        });
        if (worse != out.findings.end())
        {
            f.verdict = Verdict::fail;
            f.message = f.change + fmt::format(", and {} got worse with it", worse->gate);
        }
        else
        {
            f.verdict = Verdict::changed;
            f.message = f.change + "; no gate of this variant and size got worse: a change, not a failure";
        }
    }
}

// Every finding that is not a pass gets the extension's evidence for its variant and size (the
// largest size for the findings across sizes), compared with the stored baseline.
void attach_evidence(GateOutcome &out, const Results &current, const Results &baseline)
{
    for (auto &f : out.findings)
    {
        if (f.verdict == Verdict::pass)
            continue;
        const ScenarioResult *cs = current.scenario(f.scenario), *bs = baseline.scenario(f.scenario);
        const VariantResult *cv = cs ? cs->variant(f.variant) : nullptr,
                            *bv = bs ? bs->variant(f.variant) : nullptr;
        if (!cv || !bv || cv->sizes.empty())
            continue;
        const SizeResult *cz = f.n ? cv->at(f.n) : &cv->sizes.back();
        const SizeResult *bz = cz ? bv->at(cz->n) : nullptr;
        if (cz && bz)
            f.evidence = extension_evidence(bz->ext, cz->ext, f.gate);
    }
}

} // namespace

GateOutcome evaluate(const Results &current, const Results *baseline, const Results *rerun,
                     const EvaluateOptions &options)
{
    GateOutcome out;
    for (const ScenarioResult &s : current.scenarios)
    {
        Checker ck{out, s, {}};
        for (const auto &v : s.variants)
            ck.growth(v);
        const ScenarioResult *bs = baseline ? baseline->scenario(s.name) : nullptr;
        if (baseline && !bs)
            out.notes.push_back(
                fmt::format("scenario '{}' is not in the baseline: only absolute gates applied", s.name));
        if (bs && bs->settings != s.settings)
            out.notes.push_back(
                fmt::format("scenario '{}': its settings changed since the baseline: [{}] -> [{}]", s.name,
                            settings_text(bs->settings), settings_text(s.settings)));
        for (const auto &v : s.variants)
        {
            const VariantResult *bv = bs ? bs->variant(v.name) : nullptr;
            if (bs && !bv)
            {
                out.notes.push_back(
                    fmt::format("scenario '{}', variant '{}' is new since the baseline", s.name, v.name));
                continue;
            }
            if (!bv)
                continue;
            if (!bv->hash.empty() && bv->hash != v.hash)
                out.notes.push_back(fmt::format(
                    "scenario '{}', variant '{}': its steps changed since the baseline", s.name, v.name));
            for (const auto &c : v.sizes)
            {
                const SizeResult *b = bv->at(c.n);
                if (!b)
                    continue;
                if (b->stable && c.stable)
                {
                    ck.counted(v.name, "statements", "statements", c.n, b->statements, c.statements);
                    ck.counted(v.name, "round_trips", "round trips", c.n, b->round_trips, c.round_trips);
                    ck.counted(v.name, "rows", "rows (returned + affected)", c.n,
                               b->rows_returned + b->rows_affected, c.rows_returned + c.rows_affected);
                    ck.counted(v.name, "bytes", "bytes received", c.n, b->bytes_received, c.bytes_received);
                }
                else
                    out.notes.push_back(fmt::format("{}: counts differ between iterations, not gated exactly",
                                                    ck.where(v.name, c.n)));
                if (s.gates.plans && !b->plans.empty() && !c.plans.empty())
                    ck.plans(v.name, "plans", c.n, b->plans, c.plans);
                if (b->ext.present && c.ext.present && same_plans_other_mix(b->ext, c.ext))
                    out.notes.push_back(fmt::format(
                        "{}: the same plans ran in other proportions (plans chosen by parameter value on "
                        "statistics ANALYZE sampled at random): buffers not gated exactly",
                        ck.where(v.name, c.n)));
                else if (b->ext.present && c.ext.present)
                {
                    // The extension's plan ids are not compared across runs: they hash relation and index
                    // OIDs, which change whenever a workload's setup recreates its tables. The EXPLAIN
                    // shapes above name relations and indexes instead, and are stable.
                    const std::int64_t bb = b->ext.shared_blks_hit + b->ext.shared_blks_read;
                    const std::int64_t cb = c.ext.shared_blks_hit + c.ext.shared_blks_read;
                    ck.counted(v.name, "buffers", "shared buffers (hit + read)", c.n, bb, cb,
                               static_cast<double>(bb) * s.gates.buffer_tolerance + 8);
                    ck.counted(v.name, "temp_blocks", "temp blocks written", c.n, b->ext.temp_blks_written,
                               c.ext.temp_blks_written,
                               static_cast<double>(b->ext.temp_blks_written) * s.gates.buffer_tolerance);
                }
                if (s.gates.latency)
                {
                    const ScenarioResult *rs = rerun ? rerun->scenario(s.name) : nullptr;
                    const VariantResult *rv = rs ? rs->variant(v.name) : nullptr;
                    const SizeResult *rz = rv ? rv->at(c.n) : nullptr;
                    ck.latency(v, rz ? *rz : *b, c, rz != nullptr,
                               rz != nullptr || options.gate_stored_latency);
                }
            }
        }
        for (const auto &g : ck.checked)
            out.checked.emplace_back(s.name, g);
    }
    judge_plan_changes(out);
    if (baseline)
        attach_evidence(out, current, *baseline);
    return out;
}

std::vector<std::string> scenarios_with_latency_failures(const GateOutcome &outcome)
{
    std::vector<std::string> out;
    for (const auto &f : outcome.findings)
        if (f.gate == "latency" && f.verdict == Verdict::fail &&
            std::find(out.begin(), out.end(), f.scenario) == out.end())
            out.push_back(f.scenario);
    return out;
}

void apply_confirmation(GateOutcome &outcome, const GateOutcome &confirmation)
{
    for (auto &f : outcome.findings)
    {
        if (f.gate != "latency" || f.verdict != Verdict::fail)
            continue;
        const auto again = std::find_if(confirmation.findings.begin(), confirmation.findings.end(),
                                        [&](const Finding &c) {
                                            return c.gate == "latency" && c.scenario == f.scenario &&
                                                   c.variant == f.variant && c.n == f.n;
                                        });
        if (again != confirmation.findings.end() && again->verdict == Verdict::fail)
        {
            f.message += fmt::format("; confirmed by a second interleaved run (x{:.2f}, p={:.2g})",
                                     again->ratio, again->p);
            continue;
        }
        f.verdict = Verdict::pass;
        outcome.notes.push_back(fmt::format(
            "scenario '{}', variant '{}', n={}: latency x{:.2f} did not reproduce in a "
            "confirmation run{}; not counted",
            f.scenario, f.variant, f.n, f.ratio,
            again == confirmation.findings.end() ? std::string() : fmt::format(" (x{:.2f})", again->ratio)));
    }
    judge_plan_changes(outcome);
}

} // namespace perfgate
