// Gate evidence from the extension's per-statement figures. See evidence.hpp.
#include "evidence.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/format.h>

namespace perfgate
{
namespace
{

// The node lines of an EXPLAIN text: the first line and every line that starts with "->", without
// the arrow and the indentation. Detail lines (Filter:, Index Cond:) carry conditions, not shape.
std::vector<std::string> node_lines(const std::string &plan)
{
    std::vector<std::string> out;
    std::istringstream in(plan);
    std::string line;
    bool first = true;
    while (std::getline(in, line))
    {
        const auto at = line.find_first_not_of(' ');
        if (at == std::string::npos)
            continue;
        const bool arrow = line.compare(at, 2, "->") == 0;
        if (!first && !arrow)
            continue;
        first = false;
        std::string node = line.substr(arrow ? line.find_first_not_of(' ', at + 2) : at);
        out.push_back(node);
    }
    return out;
}

// A query on one line, cut for a report line.
std::string one_line(const std::string &query, const std::string &queryid)
{
    if (query.empty())
        return fmt::format("query id {}", queryid);
    std::string out;
    bool space = false;
    for (char ch : query)
    {
        const bool ws = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
        if (ws)
            space = !out.empty();
        else
        {
            if (space)
                out += ' ';
            space = false;
            out += ch;
        }
    }
    constexpr std::size_t limit = 100;
    if (out.size() > limit)
    {
        std::size_t cut = limit;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
            --cut; // never inside a UTF-8 sequence
        out = out.substr(0, cut) + "...";
    }
    return "`" + out + "`";
}

// A variant's statements by text: calls and blocks summed over plans, the busiest plan kept.
struct ByText
{
    std::string label;
    std::int64_t calls = 0, shared_blks = 0, temp_blks = 0;
    std::int64_t plan_calls = -1;
    std::string planid, plan;
};

std::map<std::string, ByText> by_text(const ExtFigures &e)
{
    std::map<std::string, ByText> out;
    for (const auto &st : e.statements)
    {
        ByText &t = out[st.query.empty() ? "#" + st.queryid : st.query];
        t.label = one_line(st.query, st.queryid);
        t.calls += st.calls;
        t.shared_blks += st.shared_blks_hit + st.shared_blks_read;
        t.temp_blks += st.temp_blks_written;
        if (!st.plan.empty() && st.calls > t.plan_calls)
        {
            t.plan_calls = st.calls;
            t.planid = st.planid;
            t.plan = st.plan;
        }
    }
    return out;
}

std::vector<std::string> minus(const std::vector<std::string> &a, const std::vector<std::string> &b)
{
    std::vector<std::string> out, rest = b;
    for (const auto &x : a)
        if (auto it = std::find(rest.begin(), rest.end(), x); it != rest.end())
            rest.erase(it);
        else
            out.push_back(x);
    return out;
}

} // namespace

std::string plan_change(const std::string &old_plan, const std::string &new_plan)
{
    const auto a = node_lines(old_plan), b = node_lines(new_plan);
    if (a == b)
        return "";
    const auto gone = minus(a, b), added = minus(b, a);
    if (gone.empty() && added.empty())
        return fmt::format("{} -> {}", fmt::join(a, " / "), fmt::join(b, " / "));
    return fmt::format("{} -> {}", gone.empty() ? "(no node)" : fmt::format("{}", fmt::join(gone, ", ")),
                       added.empty() ? "(no node)" : fmt::format("{}", fmt::join(added, ", ")));
}

std::vector<std::string> extension_evidence(const ExtFigures &baseline, const ExtFigures &current,
                                            const std::string &gate)
{
    std::vector<std::string> out;
    if (!baseline.present || !current.present)
        return out;
    const auto b = by_text(baseline), c = by_text(current);
    constexpr std::size_t most = 5;

    // Plans first: a changed plan is the most common cause of every other regression.
    for (const auto &[text, now] : c)
        if (const auto was = b.find(text); was != b.end() && !was->second.plan.empty() && !now.plan.empty())
            if (const std::string change = plan_change(was->second.plan, now.plan); !change.empty())
                out.push_back(fmt::format("plan of {} changed: {} (pg_perfgate plan id {} -> {})", now.label,
                                          change, was->second.planid, now.planid));

    const bool counts = gate == "statements" || gate == "round_trips" || gate == "rows" || gate == "bytes" ||
                        gate == "latency" || gate == "growth";
    if (counts)
    {
        std::size_t said = 0;
        for (const auto &[text, now] : c)
        {
            const auto was = b.find(text);
            if (was == b.end())
                out.push_back(
                    fmt::format("new statement: {} ({} call(s) per iteration)", now.label, now.calls));
            else if (now.calls > was->second.calls)
                out.push_back(fmt::format("{} runs more often: {} -> {} call(s) per iteration", now.label,
                                          was->second.calls, now.calls));
            else
                continue;
            if (++said == most)
                break;
        }
        for (const auto &[text, was] : b)
            if (!c.count(text) && said++ < most)
                out.push_back(fmt::format("statement gone: {} ({} call(s) per iteration before)", was.label,
                                          was.calls));
    }

    // The statement whose blocks grew most, for the block gates (and latency, which they explain).
    const auto grew_most = [&](auto field, const char *what)
    {
        const ByText *best = nullptr;
        std::int64_t best_delta = 0, before = 0;
        for (const auto &[text, now] : c)
        {
            const auto was = b.find(text);
            const std::int64_t old = was == b.end() ? 0 : field(was->second);
            if (field(now) - old > best_delta)
            {
                best = &now;
                best_delta = field(now) - old;
                before = old;
            }
        }
        if (best)
            out.push_back(
                fmt::format("{}: {} {} -> {} per iteration", best->label, what, before, field(*best)));
    };
    if (gate == "buffers" || gate == "latency")
        grew_most([](const ByText &t) { return t.shared_blks; }, "shared buffers (hit + read)");
    if (gate == "temp_blocks" || gate == "latency")
        grew_most([](const ByText &t) { return t.temp_blks; }, "temp blocks written");
    return out;
}

} // namespace perfgate
