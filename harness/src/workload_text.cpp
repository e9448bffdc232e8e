// Raw-text checks of workload files. See workload_text.hpp.
#include "workload_text.hpp"

#include "errors.hpp"

#include <algorithm>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace perfgate
{
namespace
{

int line_of(const std::string &text, std::size_t offset)
{
    return 1 + static_cast<int>(
                   std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// Length of the valid UTF-8 sequence at text[i], or 0 when it is not one (overlong forms, surrogates
// and code points above U+10FFFF included).
std::size_t utf8_sequence(const std::string &text, std::size_t i)
{
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80)
        return 1;
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
    {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    }
    else if (c >= 0xF0 && c <= 0xF4)
    {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    }
    else
        return 0;
    if (i + len > text.size() || byte(i + 1) < lo || byte(i + 1) > hi)
        return 0;
    for (std::size_t k = 2; k < len; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF)
            return 0;
    return len;
}

void check_encoding(const std::string &text, const std::string &file)
{
    const auto starts = [&](std::string_view bom) { return text.compare(0, bom.size(), bom) == 0; };
    if (starts("\xFF\xFE") || starts("\xFE\xFF") || starts(std::string_view("\0\0\xFE\xFF", 4)))
        throw InputError(
            fmt::format("{}:1: the file is UTF-16 or UTF-32 encoded (it starts with a byte-order "
                        "mark); workload files must be UTF-8",
                        file));
    for (std::size_t i = 0; i < text.size();)
    {
        if (text[i] == '\0')
            throw InputError(fmt::format("{}:{}: a NUL byte in the file; workload files are UTF-8 text (is "
                                         "this file UTF-16 without a byte-order mark?)",
                                         file, line_of(text, i)));
        const std::size_t len = utf8_sequence(text, i);
        if (len == 0)
        {
            const std::size_t line_start = text.rfind('\n', i == 0 ? 0 : i - 1);
            const std::size_t column = line_start == std::string::npos || i == 0 ? i + 1 : i - line_start;
            throw InputError(
                fmt::format("{}:{}: not valid UTF-8 (byte 0x{:02X} at column {}); workload files "
                            "must be UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
                            file, line_of(text, i), static_cast<unsigned char>(text[i]), column));
        }
        i += len;
    }
}

// Counts the nodes of the first document as if every alias were replaced by a copy of its anchor's
// node, and stops at the limit: the counting itself stays linear in the text.
class ExpansionCounter : public YAML::EventHandler
{
  public:
    explicit ExpansionCounter(std::string file) : file_(std::move(file)) {}

    void OnDocumentStart(const YAML::Mark &) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark &mark, YAML::anchor_t anchor) override { leaf(mark, anchor, 1); }
    void OnScalar(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor,
                  const std::string &) override
    {
        leaf(mark, anchor, 1);
    }
    void OnAlias(const YAML::Mark &mark, YAML::anchor_t anchor) override
    {
        const auto it = sizes_.find(anchor);
        leaf(mark, 0, it == sizes_.end() ? 1 : it->second);
    }
    void OnSequenceStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override
    {
        open(mark, anchor);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override
    {
        open(mark, anchor);
    }
    void OnMapEnd() override { close(); }

  private:
    struct Open
    {
        YAML::anchor_t anchor;
        std::int64_t size;
    };

    void add(const YAML::Mark &mark, std::int64_t n)
    {
        total_ += n;
        if (!open_.empty())
            open_.back().size = std::min(open_.back().size + n, max_expanded_yaml_nodes + 1);
        if (total_ > max_expanded_yaml_nodes)
            throw InputError(
                fmt::format("{}:{}: the YAML aliases (*name) expand the document to more than {} "
                            "nodes; write the repeated parts out or use fewer nested aliases",
                            file_, mark.line + 1, max_expanded_yaml_nodes));
    }
    void leaf(const YAML::Mark &mark, YAML::anchor_t anchor, std::int64_t n)
    {
        add(mark, n);
        if (anchor)
            sizes_[anchor] = n;
    }
    void open(const YAML::Mark &mark, YAML::anchor_t anchor)
    {
        add(mark, 1);
        open_.push_back({anchor, 1});
    }
    void close()
    {
        const Open done = open_.back();
        open_.pop_back();
        if (done.anchor)
            sizes_[done.anchor] = done.size;
        if (!open_.empty())
            open_.back().size = std::min(open_.back().size + done.size - 1, max_expanded_yaml_nodes + 1);
    }

    std::string file_;
    std::int64_t total_ = 0;
    std::vector<Open> open_;
    std::unordered_map<YAML::anchor_t, std::int64_t> sizes_;
};

} // namespace

void check_workload_text(const std::string &text, const std::string &file)
{
    check_encoding(text, file);
    if (text.find('&') == std::string::npos)
        return; // no anchor, so no alias can expand: spare a second parse of large generated files
    std::istringstream in(text);
    YAML::Parser parser(in);
    ExpansionCounter counter(file);
    try
    {
        parser.HandleNextDocument(counter);
    }
    catch (const YAML::ParserException &e)
    {
        throw InputError(fmt::format("{}:{}: malformed YAML: {}", file, e.mark.line + 1, e.msg));
    }
}

} // namespace perfgate
