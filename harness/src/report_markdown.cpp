// The Markdown report, for CI job summaries (GitHub's $GITHUB_STEP_SUMMARY and the like): the verdict,
// the latency comparisons side by side (those without a significant change collapsed), the findings
// with what pg_perfgate saw, and per scenario the figures of each variant and size. Appended to its
// file, never replacing it.
#include "export.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace perfgate
{
namespace
{

std::string md_cell(std::string s)
{
    std::replace(s.begin(), s.end(), '|', '/');
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

// The extension's state (a warning sign when it was there and not used) and the durability settings.
std::string md_environment(const Environment &env)
{
    std::string out = env.extension_state.warn() ? ":warning: " + md_cell(describe(env.extension_state))
                                                 : md_cell(describe(env.extension_state));
    if (const std::string d = durability(env); !d.empty())
        out += "; durability: " + d;
    return out;
}

// The latency comparisons side by side; the ones that passed go into a collapsed block, so a job page
// shows what matters first.
std::string md_latency_table(const GateOutcome &gate)
{
    const std::string head =
        "| scenario | variant | n | baseline ms | current ms | ratio | interval | verdict |\n"
        "|---|---|---:|---:|---:|---|---|---|\n";
    std::string notable, rest;
    for (const auto &f : gate.findings)
    {
        if (f.gate != "latency")
            continue;
        const bool measured = f.ratio > 0;
        const std::string row = fmt::format(
            "| {} | {} | {} | {:.3f} | {:.3f} | {} | {} | {} |\n", md_cell(f.scenario), md_cell(f.variant),
            f.n, f.baseline_ms, f.current_ms, measured ? speed_words(f.ratio) : "-",
            measured ? fmt::format("x{:.2f}-x{:.2f}", f.lower, f.upper) : "-", words(f.verdict).markdown);
        (f.verdict == Verdict::fail || f.verdict == Verdict::improved ? notable : rest) += row;
    }
    if (notable.empty() && rest.empty())
        return "";
    std::string out = "Latency, side by side (ratio: current time / baseline time; interval: its confidence "
                      "interval):\n\n";
    if (!notable.empty())
        out += head + notable + "\n";
    if (!rest.empty())
        out +=
            fmt::format("<details><summary>{} comparison(s) without a significant change</summary>\n\n{}{}\n"
                        "</details>\n\n",
                        std::count(rest.begin(), rest.end(), '\n'), head, rest);
    return out;
}

} // namespace

std::string render_markdown(const Results &r, const GateOutcome *gate, const Results *baseline)
{
    std::string out;
    if (gate)
    {
        out +=
            fmt::format("## perfgate: {}\n\n", gate->failed() ? ":x: regression" : ":white_check_mark: pass");
        out += fmt::format("{} failed, {} improved, {} scenario/gate checks. PostgreSQL {}; {}.\n\n",
                           gate->count(Verdict::fail), gate->count(Verdict::improved), gate->checked.size(),
                           r.env.server_version, md_environment(r.env));
        out += md_latency_table(*gate);
        if (gate->failed() || gate->count(Verdict::improved) || gate->count(Verdict::changed))
        {
            out += "| verdict | gate | scenario | variant | n | detail |\n|---|---|---|---|---|---|\n";
            std::set<std::string> said; // evidence shared by several gates of one variant is said once
            for (const auto &f : gate->findings)
                if (f.verdict == Verdict::fail || f.verdict == Verdict::improved ||
                    f.verdict == Verdict::changed)
                {
                    std::string detail = md_cell(f.message);
                    for (const auto &line : f.evidence)
                        if (said.insert(fmt::format("{}|{}|{}|{}", f.scenario, f.variant, f.n, line)).second)
                            detail += "<br>pg_perfgate: " + md_cell(line);
                    if (f.verdict == Verdict::fail)
                        for (const auto &flag : flags_explaining(r, f))
                            detail += "<br>pg_perfgate flagged this variant: " + md_cell(describe_flag(flag));
                    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", words(f.verdict).markdown, f.gate,
                                       md_cell(f.scenario), md_cell(f.variant),
                                       f.n ? std::to_string(f.n) : "all", detail);
                }
            out += "\n";
        }
        for (const auto &n : gate->notes)
            out += fmt::format("- note: {}\n", md_cell(n));
        if (!gate->notes.empty())
            out += "\n";
    }
    else
        out += fmt::format("## perfgate results\n\nPostgreSQL {}; {}.\n\n", r.env.server_version,
                           md_environment(r.env));

    for (const auto &s : r.scenarios)
    {
        out += fmt::format("### {}\n\n", s.name);
        if (!s.description.empty())
            out += s.description + "\n\n";
        out +=
            "| variant | n | median ms | statements | round trips | rows | bytes received | peak result |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|\n";
        for (const auto &v : s.variants)
            for (const auto &z : v.sizes)
                out +=
                    fmt::format("| {} | {} | {:.3f} | {} | {} | {} | {} | {} |\n", md_cell(v.name), z.n,
                                z.median_ms(), z.statements, z.round_trips, z.rows_returned + z.rows_affected,
                                human_bytes(z.bytes_received), human_bytes(z.peak_result_bytes));
        out += "\n";
        for (const auto &v : s.variants)
        {
            const VariantGrowth g = variant_growth(v);
            out += fmt::format(
                "- `{}` grows {} with n (latency exponent {:.2f}; statements {}, exponent {:.2f})\n", v.name,
                to_string(g.latency.cls), g.latency.exponent, to_string(g.statements.cls),
                g.statements.exponent);
        }
        for (const auto &p : s.pairs)
        {
            std::vector<std::string> parts;
            for (const auto &pr : pair_ratios(s, p))
                parts.push_back(fmt::format("n={}: {}", pr.n, speed_words(1 / pr.ratio)));
            out += fmt::format("- **{}**: {}\n", md_cell(p.label), fmt::join(parts, ", "));
        }
        const auto flags = new_flags(s, baseline);
        for (const auto &a : flags)
            out += fmt::format("- pg_perfgate flagged{} `{}` (n={}): {}\n", baseline ? " (new)" : "",
                               md_cell(a.value("variant", "?")), a.value("n", 0), md_cell(describe_flag(a)));
        if (const std::size_t known = s.antipatterns.size() - flags.size())
            out += fmt::format("- {} pg_perfgate flag(s) already in the baseline, not repeated\n", known);
        out += "\n";
    }
    return out;
}

std::string render_error_markdown(const RunError &e)
{
    return fmt::format("## perfgate {}: :warning: {} (exit code {})\n\n```\n{}\n```\n\n{}\n\n", e.command,
                       e.exit_code == 3 ? "baseline missing or not comparable" : "error", e.exit_code,
                       e.message,
                       e.exit_code == 3 ? "No verdict: the gate could not compare this run with the baseline."
                                        : "No verdict: the run stopped before the gate could decide.");
}

namespace
{

class MarkdownExporter final : public Exporter
{
  public:
    std::string render(const Results &r, const GateOutcome *gate, const Results *baseline) const override
    {
        return render_markdown(r, gate, baseline);
    }
    std::optional<std::string> render_error(const RunError &error) const override
    {
        return render_error_markdown(error);
    }
};

const MarkdownExporter exporter;

} // namespace

extern const ReportFormat markdown_report{
    "markdown", "append a Markdown summary to this file (e.g. \"$GITHUB_STEP_SUMMARY\")", true, exporter};

} // namespace perfgate
