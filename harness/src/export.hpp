// Reports as exporters: one per format behind one interface, and the registry of the formats a
// command writes to files (--json, --markdown, --junit, --svg, in that order). A new format is a
// report_NAME.cpp defining its Exporter and `const ReportFormat NAME_report`, and its name in
// exporters.cpp. What each format says is in its file; the helpers they share are report.hpp's.
#pragma once

#include "report.hpp"

#include <optional>
#include <string>
#include <vector>

namespace perfgate
{

class Exporter
{
  public:
    virtual ~Exporter() = default;
    // The report of a run; `gate` and `baseline` (what the gate compared with) may be null.
    virtual std::string render(const Results &results, const GateOutcome *gate,
                               const Results *baseline) const = 0;
    // The report of a run that ended without a verdict (exit code 2 or 3); nothing: the format writes
    // no file then.
    virtual std::optional<std::string> render_error(const RunError &) const { return std::nullopt; }
};

struct ReportFormat
{
    const char *name; // the option is --NAME
    const char *help;
    // Appended to the file (Markdown: $GITHUB_STEP_SUMMARY collects the summaries of every step of a
    // job); every other format is written atomically.
    bool append;
    const Exporter &exporter;
};

// The file formats, in the order --help lists them and a run writes them.
const std::vector<const ReportFormat *> &report_formats();
// The terminal's report, on stdout.
const Exporter &text_exporter();
// JSON: also what a results file (-o) holds when a run ends with an error.
const Exporter &json_exporter();

} // namespace perfgate
