// Plan shapes from EXPLAIN. See plans.hpp.
#include "plans.hpp"

#include "errors.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <xxhash.h>

namespace perfgate
{

std::string plan_shape(const std::vector<std::string> &lines)
{
    std::string shape;
    for (std::size_t i = 0; i < lines.size(); ++i)
    {
        const std::string &line = lines[i];
        const auto first = line.find_first_not_of(' ');
        if (first == std::string::npos)
            continue;
        // The root is the first line; every other node starts with "->". Detail lines (Filter:,
        // Index Cond:, Sort Key:) carry constants and are left out.
        if (i != 0 && line.compare(first, 2, "->") != 0)
            continue;
        std::string node = line;
        // "(never executed)" and similar runtime notes do not appear without ANALYZE; strip any
        // parenthesised suffix anyway so the shape never depends on them.
        if (auto paren = node.find("  ("); paren != std::string::npos)
            node.erase(paren);
        while (!node.empty() && node.back() == ' ')
            node.pop_back();
        shape += node + "\n";
    }
    return shape;
}

std::string shape_hash(const std::string &shape)
{
    return fmt::format("{:016x}", XXH3_64bits(shape.data(), shape.size()));
}

bool explainable(const std::string &sql)
{
    std::size_t i = 0;
    while (i < sql.size() && (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '('))
        ++i;
    std::string word;
    while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])))
        word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
    static const char *ok[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES", "TABLE"};
    return std::any_of(std::begin(ok), std::end(ok), [&](const char *w) { return word == w; });
}

std::optional<std::pair<std::string, std::string>> explain_shape(Connection &conn, const std::string &sql,
                                                                 const std::vector<Param> &params)
{
    if (!explainable(sql))
        return std::nullopt;
    try
    {
        Result r = conn.exec("EXPLAIN (COSTS OFF) " + sql, params);
        std::vector<std::string> lines;
        for (int i = 0; i < r.rows(); ++i)
            lines.emplace_back(r.value(i, 0));
        std::string shape = plan_shape(lines);
        return std::pair{shape_hash(shape), shape};
    }
    catch (const SqlError &)
    {
        // e.g. a statement on a table created inside the same variant: no stable shape to record.
        return std::nullopt;
    }
}

std::optional<std::string> explain_queryid(Connection &conn, const std::string &sql,
                                           const std::vector<Param> &params)
{
    if (!explainable(sql))
        return std::nullopt;
    try
    {
        Result r = conn.exec("EXPLAIN (VERBOSE, COSTS OFF) " + sql, params);
        constexpr std::string_view label = "Query Identifier: ";
        for (int i = 0; i < r.rows(); ++i)
            if (const std::string_view line = r.value(i, 0); line.substr(0, label.size()) == label)
                return std::string(line.substr(label.size()));
    }
    catch (const SqlError &)
    {
    }
    return std::nullopt;
}

} // namespace perfgate
