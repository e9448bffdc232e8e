// The JUnit XML report: one test case per (scenario, gate), so CI systems list exactly which check
// failed and why, and the extension as a test case of its own (skipped, with the reason, when the run
// could not use it); for a run that ended without a verdict, one test case in error.
#include "export.hpp"

#include <map>

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

} // namespace

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

namespace
{

class JunitExporter final : public Exporter
{
  public:
    // Without a gate (run, demo), the absolute gates are the test cases.
    std::string render(const Results &r, const GateOutcome *gate, const Results *) const override
    {
        return render_junit(r, gate ? *gate : evaluate(r, nullptr));
    }
    std::optional<std::string> render_error(const RunError &error) const override
    {
        return render_error_junit(error);
    }
};

const JunitExporter exporter;

} // namespace

extern const ReportFormat junit_report{"junit", "write JUnit XML, one test case per scenario and gate", false,
                                       exporter};

} // namespace perfgate
