// The small pieces of the workload model that are not parsing: locations, integer expressions,
// step descriptions for error messages, and the placeholder scan the validator relies on.
#include "workload.hpp"

#include "errors.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace perfgate
{

std::string SourceLoc::str() const
{
    return fmt::format("{}:{}", file, line);
}

std::int64_t IntExpr::eval(const Vars &vars) const
{
    if (var.empty())
        return value;
    auto it = vars.find(var);
    if (it == vars.end())
        throw InputError(fmt::format("{}: unknown variable ${}", loc.str(), var));
    std::int64_t base = 0;
    const std::string &s = it->second;
    if (std::from_chars(s.data(), s.data() + s.size(), base).ec != std::errc())
        throw InputError(fmt::format("{}: ${} = '{}' is not an integer", loc.str(), var, s));
    std::int64_t result = base;
    bool overflow = false;
    switch (op)
    {
    case '*':
        overflow = __builtin_mul_overflow(base, value, &result);
        break;
    case '/':
        result = value == 0 ? 0 : base / value;
        break;
    case '+':
        overflow = __builtin_add_overflow(base, value, &result);
        break;
    case '-':
        overflow = __builtin_sub_overflow(base, value, &result);
        break;
    default:
        break;
    }
    if (overflow)
        throw InputError(
            fmt::format("{}: {} overflows a 64-bit integer at ${} = {}", loc.str(), str(), var, base));
    return result;
}

std::string IntExpr::str() const
{
    if (var.empty())
        return std::to_string(value);
    return op ? fmt::format("${}{}{}", var, op, value) : "$" + var;
}

std::string Step::describe() const
{
    static const char *names[] = {"sql", "loop", "transaction", "copy", "cursor", "single_row", "connect"};
    std::string text = sql.empty() ? copy_target : sql;
    std::replace(text.begin(), text.end(), '\n', ' ');
    if (text.size() > 70)
        text = text.substr(0, 67) + "...";
    return fmt::format("{} step at {}{}", names[static_cast<int>(kind)], loc.str(),
                       text.empty() ? "" : fmt::format(" ({})", text));
}

int highest_placeholder(const std::string &sql)
{
    int highest = 0;
    for (std::size_t i = 0; i < sql.size(); ++i)
    {
        char c = sql[i];
        if (c == '\'' || c == '"')
        {
            std::size_t end = sql.find(c, i + 1);
            i = end == std::string::npos ? sql.size() : end;
        }
        else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-')
        {
            std::size_t end = sql.find('\n', i);
            i = end == std::string::npos ? sql.size() : end;
        }
        else if (c == '$' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])) &&
                 (i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_')))
        {
            int k = 0;
            std::size_t j = i + 1;
            while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j])))
                k = k * 10 + (sql[j++] - '0');
            highest = std::max(highest, k);
            i = j - 1;
        }
    }
    return highest;
}

} // namespace perfgate
