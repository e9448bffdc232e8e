// RAII over libpq: error checking and wire accounting. See pg.hpp for the invariants.
#include "pg.hpp"

#include "errors.hpp"

#include <algorithm>
#include <charconv>
#include <regex>

#include <fmt/format.h>

namespace perfgate
{
namespace
{

std::string trim_message(const char *msg)
{
    std::string s = msg ? msg : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

// Notices such as "table does not exist, skipping" would interleave with the report; the harness
// reports errors itself and has no use for them.
void ignore_notice(void *, const char *) {}

std::vector<const char *> param_pointers(const std::vector<Param> &params)
{
    std::vector<const char *> ptrs;
    ptrs.reserve(params.size());
    for (const auto &p : params)
        ptrs.push_back(p ? p->c_str() : nullptr);
    return ptrs;
}

using ConninfoOptions = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

// Parses a connection string; on error the message is libpq's, with any password it quotes hidden.
ConninfoOptions parse_conninfo(const std::string &conninfo, std::string &error)
{
    char *err = nullptr;
    ConninfoOptions opts(PQconninfoParse(conninfo.c_str(), &err), &PQconninfoFree);
    if (!opts)
    {
        error = redact_passwords(err ? trim_message(err) : "out of memory");
        PQfreemem(err);
    }
    return opts;
}

std::string quote_conninfo_value(std::string_view v)
{
    std::string out = "'";
    for (char c : v)
    {
        if (c == '\'' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "'";
}

// The string's own keywords, with "perfgate" as the application_name of a session that has none,
// and `overrides` over both. A string libpq cannot parse is passed as is, so that the error is libpq's.
PGconn *open_connection(const std::string &conninfo,
                        const std::vector<std::pair<std::string, std::string>> &overrides)
{
    std::string error;
    if (!parse_conninfo(conninfo, error))
        return PQconnectdb(conninfo.c_str());
    // Expanded in order: the string's keywords override the fallback before them, the overrides after.
    std::vector<const char *> keywords{"fallback_application_name", "dbname"};
    std::vector<const char *> values{"perfgate", conninfo.c_str()};
    for (const auto &[k, v] : overrides)
    {
        keywords.push_back(k.c_str());
        values.push_back(v.c_str());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    return PQconnectdbParams(keywords.data(), values.data(), 1);
}

} // namespace

std::string conninfo_with(const std::string &base,
                          const std::vector<std::pair<std::string, std::string>> &set)
{
    if (set.empty())
        return base;
    std::string error;
    const ConninfoOptions opts = parse_conninfo(base, error);
    if (!opts)
        throw InputError(fmt::format("invalid connection string {}: {}", redact_conninfo(base), error));
    std::string out;
    for (const PQconninfoOption *o = opts.get(); o->keyword; ++o)
    {
        const char *value = o->val;
        for (const auto &[keyword, v] : set)
            if (keyword == o->keyword)
                value = v.c_str();
        if (value)
            out += fmt::format("{}{}={}", out.empty() ? "" : " ", o->keyword, quote_conninfo_value(value));
    }
    return out;
}

std::vector<std::string> conninfo_passwords(const std::string &conninfo)
{
    std::vector<std::string> out;
    if (conninfo.empty())
        return out;
    std::string error;
    if (const ConninfoOptions opts = parse_conninfo(conninfo, error))
        for (const PQconninfoOption *o = opts.get(); o->keyword; ++o)
            if (std::string_view(o->keyword) == "password" && o->val && *o->val)
                out.emplace_back(o->val);
    // A URI's user:password@ as typed, before percent-decoding.
    static const std::regex uri(R"(://[^/\s:@]*:([^@\s/]+)@)");
    if (std::smatch m; std::regex_search(conninfo, m, uri))
        out.push_back(m[1]);
    return out;
}

std::string redact_conninfo(const std::string &conninfo)
{
    if (conninfo.empty())
        return "PG* environment";
    std::string error;
    const ConninfoOptions opts = parse_conninfo(conninfo, error);
    if (!opts)
        return redact_passwords(conninfo);
    std::string out;
    for (const PQconninfoOption *o = opts.get(); o->keyword; ++o)
        if (o->val)
            out += fmt::format("{}{}={}", out.empty() ? "" : " ", o->keyword,
                               std::string_view(o->keyword) == "password" ? "***"
                                                                          : quote_conninfo_value(o->val));
    return out;
}

std::string redact_passwords(std::string text)
{
    // key=value form, quoted or not, and a URI's password (user:password@host) or password= parameter.
    static const std::regex keyword(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&'"]+))", std::regex::icase);
    static const std::regex uri(R"((://[^/\s:@]*:)[^@\s/]*@)");
    text = std::regex_replace(text, keyword, "$1***");
    return std::regex_replace(text, uri, "$1***@");
}

std::int64_t Result::affected() const
{
    const char *s = PQcmdTuples(res_.get());
    std::int64_t n = 0;
    if (s && *s)
        std::from_chars(s, s + std::char_traits<char>::length(s), n);
    return n;
}

std::int64_t Result::payload_bytes() const
{
    std::int64_t total = 0;
    const int nrows = rows(), ncols = columns();
    for (int r = 0; r < nrows; ++r)
        for (int c = 0; c < ncols; ++c)
            total += PQgetlength(res_.get(), r, c);
    return total;
}

Connection::Connection(const std::string &conninfo,
                       const std::vector<std::pair<std::string, std::string>> &overrides)
    : conninfo_(conninfo), conn_(open_connection(conninfo, overrides), &PQfinish)
{
    if (!conn_)
        throw ConnectionError("cannot connect: out of memory allocating the connection");
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        throw ConnectionError(fmt::format("cannot connect to the server ({}): {}", redact_conninfo(conninfo),
                                          redact_passwords(trim_message(PQerrorMessage(conn_.get())))));
    PQsetNoticeProcessor(conn_.get(), &ignore_notice, nullptr);
}

std::string Connection::server_parameter(const char *name) const
{
    const char *v = PQparameterStatus(conn_.get(), name);
    return v ? v : "";
}

std::string Connection::option(const char *keyword) const
{
    const ConninfoOptions opts(PQconninfo(conn_.get()), &PQconninfoFree);
    for (const PQconninfoOption *o = opts.get(); o && o->keyword; ++o)
        if (std::string_view(o->keyword) == keyword)
            return o->val ? o->val : "";
    return "";
}

void Connection::throw_if_error(const PGresult *raw, const std::string &sql)
{
    if (!raw)
        throw ConnectionError(fmt::format("lost the connection while running: {}: {}", sql,
                                          trim_message(PQerrorMessage(conn_.get()))));
    switch (PQresultStatus(raw))
    {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_SINGLE_TUPLE:
    case PGRES_COPY_IN:
    case PGRES_EMPTY_QUERY:
        return;
    default:
    {
        const char *state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
        throw SqlError(trim_message(PQresultErrorMessage(raw)), state ? state : "");
    }
    }
}

Result Connection::check(PGresult *raw, const std::string &sql)
{
    Result res(raw); // owns raw from here on, also when throw_if_error throws
    throw_if_error(raw, sql);
    return res;
}

void Connection::account(const Result &res)
{
    stats_.rows_returned += res.rows();
    // PQcmdTuples also reports a SELECT's row count; only commands' counts are "affected" rows.
    if (res.status() == PGRES_COMMAND_OK)
        stats_.rows_affected += res.affected();
    stats_.bytes_received += res.payload_bytes();
    stats_.peak_result_bytes = std::max<std::int64_t>(stats_.peak_result_bytes, res.memory_size());
}

Result Connection::exec(const std::string &sql, const std::vector<Param> &params)
{
    auto ptrs = param_pointers(params);
    ++stats_.statements;
    if (sent_)
        sent_->insert(sql);
    ++stats_.round_trips;
    Result res = check(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(ptrs.size()), nullptr,
                                    ptrs.data(), nullptr, nullptr, 0),
                       sql);
    account(res);
    return res;
}

void Connection::exec_script(const std::string &sql)
{
    ++stats_.statements;
    if (sent_)
        sent_->insert(sql);
    ++stats_.round_trips;
    // PQexec returns only the last result; an error in any statement stops the script and is returned.
    check(PQexec(conn_.get(), sql.c_str()), sql);
}

std::int64_t Connection::copy_in(const std::string &sql, const std::string &data)
{
    ++stats_.statements;
    if (sent_)
        sent_->insert(sql);
    stats_.round_trips += 2; // the COPY command, then the data with its end marker
    Result start = check(PQexec(conn_.get(), sql.c_str()), sql);
    if (start.status() != PGRES_COPY_IN)
        throw SqlError(fmt::format("expected COPY FROM STDIN, the server did not enter COPY mode: {}", sql),
                       "");
    if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(conn_.get(), nullptr) != 1)
        throw ConnectionError(
            fmt::format("sending COPY data failed: {}", trim_message(PQerrorMessage(conn_.get()))));
    std::int64_t copied = 0;
    std::optional<SqlError> failure;
    while (PGresult *raw = PQgetResult(conn_.get()))
    {
        Result res(raw);
        if (res.status() == PGRES_COMMAND_OK)
            copied += res.affected();
        else if (!failure)
        {
            const char *state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
            failure.emplace(trim_message(PQresultErrorMessage(raw)), state ? state : "");
        }
    }
    if (failure)
        throw *failure;
    stats_.rows_affected += copied;
    return copied;
}

void Connection::exec_single_row(const std::string &sql, const std::vector<Param> &params,
                                 const std::function<void(const Result &)> &on_row)
{
    auto ptrs = param_pointers(params);
    ++stats_.statements;
    if (sent_)
        sent_->insert(sql);
    ++stats_.round_trips;
    if (!PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(ptrs.size()), nullptr, ptrs.data(),
                           nullptr, nullptr, 0))
        throw ConnectionError(
            fmt::format("sending the query failed: {}", trim_message(PQerrorMessage(conn_.get()))));
    if (!PQsetSingleRowMode(conn_.get()))
        throw SqlError("the server refused single-row mode", "");
    // Drain every result even after an error so the connection stays usable for the next statement.
    std::optional<SqlError> failure;
    while (PGresult *raw = PQgetResult(conn_.get()))
    {
        Result res(raw);
        if (failure)
            continue;
        try
        {
            throw_if_error(raw, sql);
        }
        catch (const SqlError &e)
        {
            failure.emplace(e);
            continue;
        }
        account(res);
        if (res.status() == PGRES_SINGLE_TUPLE)
            on_row(res);
    }
    if (failure)
        throw *failure;
}

std::string quote_ident(std::string_view ident)
{
    std::string out = "\"";
    for (char c : ident)
    {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
    return out;
}

} // namespace perfgate
