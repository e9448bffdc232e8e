// Deterministic data generation and value encodings. See datagen.hpp.
#include "datagen.hpp"

#include "errors.hpp"

#include <set>

#include <fmt/format.h>
#include <xxhash.h>

namespace perfgate
{
namespace
{

struct SplitMix64
{
    std::uint64_t state;
    std::uint64_t next()
    {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
};

} // namespace

int RowSet::column_index(const std::string &name) const
{
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i] == name)
            return static_cast<int>(i);
    return -1;
}

RowSet generate(const DataSet &spec, const Vars &vars)
{
    RowSet out;
    const std::int64_t count = spec.count.eval(vars);
    if (count < 0 || count > 50'000'000)
        throw InputError(fmt::format("{}: data set '{}' would have {} rows (expected 0 to 50,000,000)",
                                     spec.loc.str(), spec.name, count));
    for (const auto &c : spec.columns)
        out.columns.push_back(c.name);
    out.rows.resize(static_cast<std::size_t>(count));

    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (std::size_t ci = 0; ci < spec.columns.size(); ++ci)
    {
        const ColumnGen &c = spec.columns[ci];
        // Each column has its own stream, so adding a column does not change the others' values.
        SplitMix64 rng{spec.seed * 1000003ULL + ci};
        const std::int64_t start = c.start.eval(vars), step = c.step.eval(vars);
        const std::int64_t lo = c.min.eval(vars), hi = c.max.eval(vars);
        const std::int64_t length = c.length.eval(vars);
        if (c.kind == ColumnGen::Kind::random && hi < lo)
            throw InputError(fmt::format("{}: data set '{}', column '{}': max {} is below min {}",
                                         spec.loc.str(), spec.name, c.name, hi, lo));
        for (std::int64_t i = 0; i < count; ++i)
        {
            std::string v;
            switch (c.kind)
            {
            case ColumnGen::Kind::seq:
                v = std::to_string(start + i * step);
                break;
            case ColumnGen::Kind::random:
                v = std::to_string(
                    lo + static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(hi - lo + 1)));
                break;
            case ColumnGen::Kind::text:
                v.resize(static_cast<std::size_t>(std::max<std::int64_t>(length, 0)));
                for (auto &ch : v)
                    ch = alphabet[rng.next() % (sizeof(alphabet) - 1)];
                break;
            case ColumnGen::Kind::pick:
                v = c.choices[rng.next() % c.choices.size()];
                break;
            }
            out.rows[static_cast<std::size_t>(i)].push_back(std::move(v));
        }
    }
    return out;
}

std::string array_literal(const RowSet &set, int column)
{
    std::string out = "{";
    for (std::size_t i = 0; i < set.rows.size(); ++i)
    {
        if (i)
            out += ',';
        out += '"';
        for (char ch : set.rows[i][static_cast<std::size_t>(column)])
        {
            if (ch == '"' || ch == '\\')
                out += '\\';
            out += ch;
        }
        out += '"';
    }
    return out + "}";
}

std::string copy_text(const RowSet &set, std::size_t begin, std::size_t end)
{
    std::string out;
    for (std::size_t r = begin; r < end && r < set.rows.size(); ++r)
    {
        for (std::size_t c = 0; c < set.rows[r].size(); ++c)
        {
            if (c)
                out += '\t';
            for (char ch : set.rows[r][c])
            {
                switch (ch)
                {
                case '\\':
                    out += "\\\\";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                default:
                    out += ch;
                }
            }
        }
        out += '\n';
    }
    return out;
}

namespace
{

void collect_used(const std::vector<Step> &steps, std::set<std::string> &used)
{
    for (const auto &st : steps)
    {
        for (const auto &p : st.params)
            if (p.kind == ParamExpr::Kind::array)
                used.insert(p.text);
        for (const std::string *name : {&st.values_from, &st.over, &st.copy_from})
            if (!name->empty())
                used.insert(*name);
        collect_used(st.body, used);
    }
}

std::string hex(const std::string &text)
{
    return fmt::format("{:016x}", XXH3_64bits(text.data(), text.size()));
}

std::string describe(const DataSet &ds)
{
    std::string s = fmt::format("count={};seed={}", ds.count.str(), ds.seed);
    static const char *kinds[] = {"seq", "random", "text", "pick"};
    for (const auto &c : ds.columns)
        s +=
            fmt::format(";{}:{}:{}:{}:{}:{}:{}:{}", c.name, kinds[static_cast<int>(c.kind)], c.start.str(),
                        c.step.str(), c.min.str(), c.max.str(), c.length.str(), fmt::join(c.choices, "\x1f"));
    return s;
}

} // namespace

std::map<std::string, std::string> data_hashes(const Workload &w)
{
    std::set<std::string> used;
    for (const auto *steps : {&w.setup_per_size, &w.before_each})
        collect_used(*steps, used);
    for (const auto &v : w.variants)
        collect_used(v.steps, used);
    std::map<std::string, std::string> out;
    for (const auto &ds : w.data)
        if (used.count(ds.name))
            out[ds.name] = hex(describe(ds));
    return out;
}

} // namespace perfgate
