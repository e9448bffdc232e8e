// The report registry: every file format a command can write, in the order --help lists them and a run
// writes them. A new format is a report_NAME.cpp defining `const ReportFormat NAME_report` (export.hpp)
// and its name here.
#include "export.hpp"

#define PERFGATE_REPORTS(X) X(json) X(markdown) X(junit) X(svg)

namespace perfgate
{

#define PERFGATE_DECLARE(name) extern const ReportFormat name##_report;
PERFGATE_REPORTS(PERFGATE_DECLARE)
#undef PERFGATE_DECLARE

const std::vector<const ReportFormat *> &report_formats()
{
#define PERFGATE_ENTRY(name) &name##_report,
    static const std::vector<const ReportFormat *> all = {PERFGATE_REPORTS(PERFGATE_ENTRY)};
#undef PERFGATE_ENTRY
    return all;
}

} // namespace perfgate
