// CI renderers: Markdown for job summaries (GitHub's $GITHUB_STEP_SUMMARY and the like) and JUnit XML,
// one test case per (scenario, gate) so CI systems list exactly which check failed and why.
#include "report.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

namespace perfgate
{
namespace
{

std::string xml_escape(const std::string &s)
{
    std::string out;
    for (char c : s)
    {
        switch (c)
        {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            // XML 1.0 forbids most control characters even when escaped.
            if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t')
                out += c;
        }
    }
    return out;
}

std::string md_cell(std::string s)
{
    std::replace(s.begin(), s.end(), '|', '/');
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

} // namespace

namespace
{

std::string md_verdict(Verdict v)
{
    switch (v)
    {
    case Verdict::fail:
        return "**fail**";
    case Verdict::improved:
        return "improved";
    case Verdict::skipped:
        return "skipped";
    case Verdict::changed:
        return "changed";
    default:
        return "pass";
    }
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
            measured ? fmt::format("x{:.2f}-x{:.2f}", f.lower, f.upper) : "-", md_verdict(f.verdict));
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
                    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", md_verdict(f.verdict), f.gate,
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

std::string render_error_junit(const RunError &e)
{
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"perfgate\" tests=\"1\" "
        "failures=\"0\" "
        "errors=\"1\">\n  <testsuite name=\"perfgate.{}\" tests=\"1\" failures=\"0\" errors=\"1\">\n"
        "    <testcase classname=\"perfgate.{}\" name=\"{}\">\n      <error message=\"{}\" type=\"{}\">exit "
        "code "
        "{}: {}</error>\n    </testcase>\n  </testsuite>\n</testsuites>\n",
        xml_escape(e.command), xml_escape(e.command), e.exit_code == 3 ? "baseline" : "run",
        xml_escape(e.message), xml_escape(e.kind), e.exit_code, xml_escape(e.message));
}

nlohmann::json error_json(const RunError &e)
{
    return {{"error",
             {{"command", e.command}, {"exit_code", e.exit_code}, {"kind", e.kind}, {"message", e.message}}}};
}

std::string render_junit(const Results &r, const GateOutcome &gate)
{
    // (scenario, gate) -> failure messages; every checked pair becomes a test case, failing or not.
    std::map<std::string, std::map<std::string, std::vector<std::string>>> failures;
    for (const auto &[scenario, g] : gate.checked)
        failures[scenario][g];
    for (const auto &f : gate.findings)
        if (f.verdict == Verdict::fail)
        {
            std::string text = f.message;
            for (const auto &line : f.evidence)
                text += "\n  pg_perfgate: " + line;
            for (const auto &flag : flags_explaining(r, f))
                text += "\n  pg_perfgate flagged this variant: " + describe_flag(flag);
            failures[f.scenario][f.gate].push_back(std::move(text));
        }

    std::string body;
    int tests = 0, failed = 0;
    for (const auto &s : r.scenarios)
    {
        const auto &gates = failures[s.name];
        int suite_failed = 0;
        std::string cases;
        for (const auto &[g, msgs] : gates)
        {
            cases += fmt::format("    <testcase classname=\"perfgate.{}\" name=\"{}\"", xml_escape(s.name),
                                 xml_escape(g));
            if (msgs.empty())
                cases += "/>\n";
            else
            {
                ++suite_failed;
                cases += fmt::format(
                    ">\n      <failure message=\"{}\" type=\"regression\">{}</failure>\n    </testcase>\n",
                    xml_escape(msgs.front()), xml_escape(fmt::format("{}", fmt::join(msgs, "\n"))));
            }
        }
        body +=
            fmt::format("  <testsuite name=\"perfgate.{}\" tests=\"{}\" failures=\"{}\">\n{}  </testsuite>\n",
                        xml_escape(s.name), gates.size(), suite_failed, cases);
        tests += static_cast<int>(gates.size());
        failed += suite_failed;
    }
    // The extension is a test case of its own: skipped, with the reason, when the run could not use it,
    // so a CI page shows it next to the gates instead of in a log nobody opens.
    const ExtensionState &x = r.env.extension_state;
    body +=
        fmt::format("  <testsuite name=\"perfgate.environment\" tests=\"1\" failures=\"0\" skipped=\"{}\">\n"
                    "    <testcase classname=\"perfgate.environment\" name=\"pg_perfgate\"",
                    x.use == ExtensionState::Use::in_use ? 0 : 1);
    if (x.use == ExtensionState::Use::in_use)
        body += fmt::format(">\n      <system-out>{}; durability: {}</system-out>\n    </testcase>\n",
                            xml_escape(describe(x)), xml_escape(durability(r.env)));
    else
        body += fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n", xml_escape(describe(x)));
    body += "  </testsuite>\n";
    ++tests;
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"perfgate\" tests=\"{}\" "
        "failures=\"{}\">\n{}</testsuites>\n",
        tests, failed, body);
}

} // namespace perfgate
