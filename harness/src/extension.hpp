// The contract between perfgate and the pg_perfgate extension, checked in this one place: the
// extension states the version of its SQL interface (pg_perfgate_api_version()), and the harness
// checks that version, every view column and function it reads, that the server loaded the library,
// and that the role may read the views. When the extension is on the server but cannot be used, the
// reason is kept (ExtensionState::reason) and every report says it; nothing falls back quietly.
//
// Reading around a variant never resets the server's statistics (a staging server's figures belong to
// its DBA): a snapshot before and one after, and the figures are the difference, per statement.
#pragma once

#include "pg.hpp"
#include "results.hpp"

#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace perfgate
{

// The SQL interface version this perfgate reads; the extension's pg_perfgate_api_version() must be
// at least this. Raise both together when the harness starts reading something new.
inline constexpr int extension_api_required = 4;

// What the harness reads of each view (or function, named with "()": its output columns): a missing
// column makes the extension unusable, named.
struct ContractView
{
    const char *view;
    std::vector<const char *> columns;
};
const std::vector<ContractView> &extension_contract();

class ExtensionProbe
{
  public:
    // Checks the contract on `conn`. `embedded_note` is said when the extension is absent from a
    // cluster perfgate started itself (why it was not preloaded there).
    explicit ExtensionProbe(Connection &conn, const std::string &embedded_note = "");
    bool available() const { return state_.use == ExtensionState::Use::in_use; }
    const ExtensionState &state() const { return state_; }

    // Per statement (query id, plan id) of this role in this database: cumulative figures now.
    using Snapshot = std::map<std::string, ExtStatement>;
    Snapshot snapshot();
    // What ran between `before` and now, minus the harness's own housekeeping; texts and plan texts
    // of the statements that ran. With `queryids` or `texts` given, only the statements with one of
    // those query ids or texts: what one variant sent, not what other sessions of the role ran.
    ExtFigures since(const Snapshot &before, const std::set<std::string> &queryids = {},
                     const std::set<std::string> &texts = {});
    // Rows of pg_perfgate_antipatterns for this database (an empty array when not in use).
    nlohmann::json antipatterns();
    // The details of this database's findings of `kind` recorded again at or after `since` (a
    // timestamptz the server gave, as text): findings without a query id of their own, such as
    // connection_per_request, which names its application only there.
    std::set<std::string> details_since(const std::string &kind, const std::string &since);

  private:
    void check(const std::string &embedded_note);
    void unusable(std::string reason);

    Connection &conn_;
    ExtensionState state_;
    std::string snapshot_sql_, texts_sql_, antipatterns_sql_, details_sql_;
};

} // namespace perfgate
