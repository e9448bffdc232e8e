// Reading the pg_perfgate extension around a variant: reset before, snapshot after. The extension is
// optional and still evolving, so every column is looked up before use and a missing one reads as
// zero; a missing view means "no extension figures", never an error.
#pragma once

#include "pg.hpp"
#include "results.hpp"

#include <nlohmann/json.hpp>

namespace perfgate
{

class ExtensionProbe
{
  public:
    explicit ExtensionProbe(Connection &conn);
    bool available() const { return available_; }
    void reset();
    // The statements this database ran since reset(), minus the harness's own housekeeping.
    ExtFigures snapshot();
    // Rows of pg_perfgate_antipatterns for this database, if the view exists (else an empty array).
    nlohmann::json antipatterns();

  private:
    Connection &conn_;
    bool available_ = false;
    std::string snapshot_sql_, reset_sql_, antipatterns_sql_;
    bool has_antipatterns_ = false;
};

} // namespace perfgate
