// RAII over libpq. A Connection owns its PGconn (PQfinish on destruction) and every Result owns its
// PGresult (PQclear); nothing else in the harness touches libpq directly. Every call that reaches
// the server is counted in WireStats, so what the runner reports as statements, round trips, rows
// and bytes is what actually crossed the wire, not what a workload file claims.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

namespace perfgate
{

using Param = std::optional<std::string>; // nullopt binds SQL NULL

// What the client sent and received; reset by the runner around each measured iteration.
struct WireStats
{
    std::int64_t statements = 0;        // SQL statements sent (one per Parse/Bind/Execute or simple query)
    std::int64_t round_trips = 0;       // times the client waited for the server to answer
    std::int64_t rows_returned = 0;     // tuples received
    std::int64_t rows_affected = 0;     // INSERT/UPDATE/DELETE/COPY row counts
    std::int64_t bytes_received = 0;    // sum of received field lengths (text format)
    std::int64_t peak_result_bytes = 0; // largest single PGresult held (PQresultMemorySize)
};

class Result
{
  public:
    explicit Result(PGresult *res) : res_(res, &PQclear) {}
    int rows() const { return PQntuples(res_.get()); }
    int columns() const { return PQnfields(res_.get()); }
    bool is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
    std::string_view value(int row, int col) const
    {
        return {PQgetvalue(res_.get(), row, col),
                static_cast<std::size_t>(PQgetlength(res_.get(), row, col))};
    }
    std::string column_name(int col) const { return PQfname(res_.get(), col); }
    int column_index(const std::string &name) const { return PQfnumber(res_.get(), name.c_str()); }
    std::int64_t affected() const;
    std::size_t memory_size() const { return PQresultMemorySize(res_.get()); }
    std::int64_t payload_bytes() const;
    ExecStatusType status() const { return PQresultStatus(res_.get()); }

  private:
    std::unique_ptr<PGresult, decltype(&PQclear)> res_;
};

class Connection
{
  public:
    // conninfo may be a key=value string or a URI; empty means "use the PG* environment". A session
    // without an application_name of its own (in the string or PGAPPNAME) is "perfgate". `overrides`
    // are keywords set over the string's (a `connect:` step's application_name and options).
    explicit Connection(const std::string &conninfo,
                        const std::vector<std::pair<std::string, std::string>> &overrides = {});

    // One statement over the extended protocol (parameters are always bound, never spliced).
    Result exec(const std::string &sql, const std::vector<Param> &params = {});
    // Several statements in one simple-protocol message, for setup scripts without parameters.
    void exec_script(const std::string &sql);
    // COPY ... FROM STDIN; `data` is COPY text format. Returns the number of rows copied.
    std::int64_t copy_in(const std::string &sql, const std::string &data);
    // Single-row mode: each row arrives in its own PGresult, so the client never holds the whole set.
    void exec_single_row(const std::string &sql, const std::vector<Param> &params,
                         const std::function<void(const Result &)> &on_row);

    WireStats &stats() { return stats_; }
    // While set, the text of every statement sent is added here (the runner matches the extension's
    // statements with what a variant sent).
    void record_sent(std::set<std::string> *texts) { sent_ = texts; }
    std::set<std::string> *recording() const { return sent_; }
    // The string this connection was opened with (a `connect:` step opens its own the same way).
    const std::string &conninfo() const { return conninfo_; }
    int backend_pid() const { return PQbackendPID(conn_.get()); }
    int server_version() const { return PQserverVersion(conn_.get()); }
    std::string server_parameter(const char *name) const;
    std::string database() const { return PQdb(conn_.get()); }
    // The value libpq used for a connection keyword (from the string, the PG* environment or its
    // defaults); empty when unset.
    std::string option(const char *keyword) const;

  private:
    Result check(PGresult *res, const std::string &sql);
    void throw_if_error(const PGresult *res, const std::string &sql);
    void account(const Result &res);

    std::string conninfo_;
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
    WireStats stats_;
    std::set<std::string> *sent_ = nullptr;
};

// `base` (a key=value string or a URI; empty: the PG* environment) with the given keywords set, as a
// key='value' string libpq reads the same way. Throws InputError (password hidden) when `base` is not
// a valid connection string.
std::string conninfo_with(const std::string &base,
                          const std::vector<std::pair<std::string, std::string>> &set);
// The password of a connection string, as written and as decoded (a URI's percent-escapes); empty
// when it has none or cannot be parsed.
std::vector<std::string> conninfo_passwords(const std::string &conninfo);
// A connection string fit for messages and logs: its password, in any spelling, replaced by ***.
std::string redact_conninfo(const std::string &conninfo);
// Any text with passwords that look like connection-string parts (password=..., scheme://user:pw@)
// replaced by ***; for error messages that quote connection strings they did not build.
std::string redact_passwords(std::string text);

// Quote an identifier for the few places where the harness itself must name an object (cursor names,
// database names). Data values are never quoted into SQL: they are bound as parameters.
std::string quote_ident(std::string_view ident);

} // namespace perfgate
