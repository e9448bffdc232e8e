// Typed errors of the perfgate harness. Every failure the user can cause or meet is one of these
// types; main() catches them once and maps each to the exit code the README documents:
// 2 for usage, input, connection and SQL errors, 3 for a missing or incomparable baseline.
// A regression is not an error: it is a result, reported with exit code 1 by the gate.
#pragma once

#include <stdexcept>
#include <string>

namespace perfgate
{

enum class ExitCode : int
{
    pass = 0,
    regression = 1,
    usage = 2,
    baseline = 3,
};

class Error : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
    virtual ExitCode exit_code() const noexcept { return ExitCode::usage; }
};

// Bad command line or bad workload file; the message names file:line when there is one.
class InputError : public Error
{
  public:
    using Error::Error;
};

// The server could not be reached or the embedded cluster could not be started.
class ConnectionError : public Error
{
  public:
    using Error::Error;
};

// A statement failed; the message carries PQerrorMessage and, once the runner has added it, the
// scenario, variant and step that sent it.
class SqlError : public Error
{
  public:
    SqlError(std::string message, std::string sqlstate)
        : Error(std::move(message)), sqlstate_(std::move(sqlstate))
    {
    }
    const std::string &sqlstate() const noexcept { return sqlstate_; }

  private:
    std::string sqlstate_;
};

// The baseline file is absent, unreadable, of another format version, or from another environment.
class BaselineError : public Error
{
  public:
    using Error::Error;
    ExitCode exit_code() const noexcept override { return ExitCode::baseline; }
};

} // namespace perfgate
