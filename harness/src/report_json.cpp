// The JSON report: the results file's own form (results.hpp) with the gate's findings under "gate",
// and for a run that ended without a verdict, {"error": {command, exit_code, kind, message}}.
#include "export.hpp"

namespace perfgate
{
namespace
{

std::string dump(const nlohmann::json &j)
{
    // Text from a server in another encoding must not cost the report: invalid UTF-8 becomes U+FFFD.
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

class JsonExporter final : public Exporter
{
  public:
    std::string render(const Results &r, const GateOutcome *gate, const Results *) const override
    {
        nlohmann::json j = to_json(r);
        if (gate)
            j["gate"] = to_json(*gate);
        return dump(j);
    }
    std::optional<std::string> render_error(const RunError &error) const override
    {
        return dump(error_json(error));
    }
};

const JsonExporter exporter;

} // namespace

nlohmann::json error_json(const RunError &e)
{
    return {{"error",
             {{"command", e.command}, {"exit_code", e.exit_code}, {"kind", e.kind}, {"message", e.message}}}};
}

const Exporter &json_exporter()
{
    return exporter;
}

extern const ReportFormat json_report{"json", "write the results (and gate findings) as JSON", false,
                                      exporter};

} // namespace perfgate
