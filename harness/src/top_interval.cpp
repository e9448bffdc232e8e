// perfgate top -i SEC. See top_interval.hpp.
//
// Each interval reads one snapshot: pg_perfgate_statements summed per (database, query group, level),
// with the group's text and failures from pg_perfgate_hot_queries. What is shown is the difference
// between two snapshots, so a group's figures are what it did in the interval. A group whose calls went
// down (a reset, or its entries evicted and made again) counts from zero: its figures then are what it
// did since, which is the best that can be told.
//
// On a terminal the screen is redrawn in place (the alternate screen, as top and pg_activity use it),
// keys are read without echo, and the terminal is put back whatever ends the loop: q, Ctrl-C, SIGTERM,
// or an error. Anywhere else each interval prints one block of plain text and nothing else is written.
#include "top_interval.hpp"

#include "errors.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

namespace perfgate
{
namespace
{

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_resized = 0;

extern "C" void on_stop_signal(int)
{
    g_stop = 1;
}
extern "C" void on_winch(int)
{
    g_resized = 1;
}

struct Figures
{
    double calls = 0, time = 0, rows = 0, io = 0, temp = 0, errors = 0;
};

struct Group
{
    std::string datname, query;
    bool toplevel = true;
    Figures f;
};

using Snapshot = std::map<std::string, Group>; // by "dbid/level/query group"

double number(const nlohmann::ordered_json &row, const char *key)
{
    const auto it = row.find(key);
    return it != row.end() && it->is_number() ? it->get<double>() : 0.0;
}

Snapshot read_snapshot(Connection &conn, const std::string &schema, const TopOptions &o)
{
    // I/O: blocks read from outside shared buffers and written, shared and local; temp: temporary-file
    // blocks read and written (sorts and hashes that spilled).
    const std::string sql = fmt::format(
        "SELECT row_to_json(t)::text FROM ("
        "SELECT s.dbid::text || '/' || s.toplevel::text || '/' || s.query_group::text AS key, "
        "min(d.datname) AS datname, s.toplevel, sum(s.calls) AS calls, sum(s.total_exec_time) AS time, "
        "sum(s.rows) AS rows, "
        "sum(s.shared_blks_read + s.shared_blks_written + s.local_blks_read + s.local_blks_written) AS io, "
        "sum(s.temp_blks_read + s.temp_blks_written) AS temp, "
        "min(h.errors) AS errors, min(h.query) AS query "
        "FROM {0}.pg_perfgate_statements s "
        "LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid "
        "LEFT JOIN {0}.pg_perfgate_hot_queries h "
        "ON h.dbid = s.dbid AND h.toplevel = s.toplevel AND h.query_group = s.query_group "
        "WHERE ($1::bool OR s.dbid = (SELECT oid FROM pg_catalog.pg_database "
        "WHERE datname = pg_catalog.current_database())) AND ($2::bool OR s.toplevel) "
        "GROUP BY s.dbid, s.toplevel, s.query_group) t",
        schema);
    Result r = conn.exec(sql, {o.all_databases ? "true" : "false", o.nested ? "true" : "false"});
    Snapshot out;
    for (int i = 0; i < r.rows(); ++i)
    {
        const auto row = nlohmann::ordered_json::parse(r.value(i, 0));
        Group g;
        g.datname = row["datname"].is_string() ? row["datname"].get<std::string>() : "-";
        g.query = row["query"].is_string() ? row["query"].get<std::string>() : "<insufficient privilege>";
        g.toplevel = row.value("toplevel", true);
        g.f = {number(row, "calls"), number(row, "time"), number(row, "rows"),
               number(row, "io"),    number(row, "temp"), number(row, "errors")};
        out.emplace(row["key"].get<std::string>(), std::move(g));
    }
    return out;
}

struct Delta
{
    const Group *group;
    Figures d;
};

double sort_value(const Figures &f, TopSort key)
{
    switch (key)
    {
    case TopSort::calls:
        return f.calls;
    case TopSort::rows:
        return f.rows;
    case TopSort::io:
        return f.io;
    case TopSort::temp:
        return f.temp;
    case TopSort::errors:
        return f.errors;
    case TopSort::time:
        break;
    }
    return f.time;
}

std::vector<Delta> deltas(const Snapshot &before, const Snapshot &now, TopSort key)
{
    std::vector<Delta> out;
    for (const auto &[k, g] : now)
    {
        Figures d = g.f;
        const auto old = before.find(k);
        if (old != before.end() && g.f.calls >= old->second.f.calls)
        {
            const Figures &b = old->second.f;
            d = {g.f.calls - b.calls, g.f.time - b.time, g.f.rows - b.rows,
                 g.f.io - b.io,       g.f.temp - b.temp, std::max(0.0, g.f.errors - b.errors)};
        }
        if (d.calls > 0 || d.errors > 0)
            out.push_back({&g, d});
    }
    std::stable_sort(out.begin(), out.end(),
                     [key](const Delta &a, const Delta &b)
                     {
                         const double x = sort_value(a.d, key), y = sort_value(b.d, key);
                         if (x != y)
                             return x > y;
                         if (a.d.time != b.d.time)
                             return a.d.time > b.d.time;
                         return a.d.calls > b.d.calls;
                     });
    return out;
}

std::string now_text()
{
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

std::string pad_left(const std::string &s, std::size_t w)
{
    return s.size() >= w ? s : std::string(w - s.size(), ' ') + s;
}

std::string count_text(double v)
{
    return fmt::format("{:.0f}", v);
}

} // namespace

const char *top_sort_name(TopSort key)
{
    switch (key)
    {
    case TopSort::calls:
        return "calls";
    case TopSort::rows:
        return "rows";
    case TopSort::io:
        return "io";
    case TopSort::temp:
        return "temp";
    case TopSort::errors:
        return "errors";
    case TopSort::time:
        break;
    }
    return "time";
}

bool parse_top_sort(const std::string &name, TopSort &out)
{
    for (TopSort k :
         {TopSort::time, TopSort::calls, TopSort::rows, TopSort::io, TopSort::temp, TopSort::errors})
        if (name == top_sort_name(k))
        {
            out = k;
            return true;
        }
    return false;
}

std::string render_interval_block(const std::vector<std::string> &header,
                                  const std::vector<IntervalRow> &rows, TopSort key, std::size_t width,
                                  std::size_t limit)
{
    // The sorted column's header is marked with '*', as the key line says.
    const char *names[] = {"calls", "total ms", "ms/call", "rows", "I/O blks", "temp blks", "errors"};
    const TopSort keys[] = {TopSort::calls, TopSort::time, TopSort::time,  TopSort::rows,
                            TopSort::io,    TopSort::temp, TopSort::errors};
    std::vector<std::string> heads;
    for (std::size_t i = 0; i < 7; ++i)
        heads.push_back(std::string(names[i]) + (keys[i] == key && i != 2 ? "*" : ""));
    std::vector<std::vector<std::string>> cells;
    for (std::size_t i = 0; i < rows.size() && i < limit; ++i)
    {
        const IntervalRow &r = rows[i];
        cells.push_back({count_text(r.calls), fmt::format("{:.2f}", r.time),
                         r.calls > 0 ? fmt::format("{:.3f}", r.time / r.calls) : "-", count_text(r.rows),
                         count_text(r.io), count_text(r.temp), count_text(r.errors)});
    }
    std::vector<std::size_t> widths;
    for (std::size_t i = 0; i < heads.size(); ++i)
    {
        std::size_t w = heads[i].size();
        for (const auto &c : cells)
            w = std::max(w, c[i].size());
        widths.push_back(w);
    }
    std::size_t used = 0;
    for (auto w : widths)
        used += w + 2;
    // The query takes what is left of the width, down to one character (its ellipsis).
    const std::size_t last = width == 0 ? 0 : (width > used + 1 ? width - used : 1);
    std::string out;
    for (const auto &h : header)
        out += one_line(h, width) + "\n";
    std::string line;
    for (std::size_t i = 0; i < heads.size(); ++i)
        line += pad_left(heads[i], widths[i]) + "  ";
    out += line + "query\n";
    if (cells.empty())
        out += "no statement ran in this interval\n";
    for (std::size_t i = 0; i < cells.size(); ++i)
    {
        line.clear();
        for (std::size_t j = 0; j < cells[i].size(); ++j)
            line += pad_left(cells[i][j], widths[j]) + "  ";
        out += line + one_line(rows[i].query, last) + "\n";
    }
    return out;
}

namespace
{

// The terminal in the state `top -i` needs (no echo, keys one at a time, alternate screen, no
// cursor), and back as it was when this goes, whatever ends the loop.
class TerminalSession
{
  public:
    TerminalSession()
    {
        keys_ = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved_) == 0;
        if (keys_)
        {
            termios raw = saved_;
            raw.c_lflag &= ~(ICANON | ECHO); // ISIG stays: Ctrl-C is SIGINT, handled as q
            raw.c_cc[VMIN] = 0;
            raw.c_cc[VTIME] = 0;
            ::tcsetattr(STDIN_FILENO, TCSANOW, &raw);
        }
        std::fputs("\x1b[?1049h\x1b[?25l", stdout);
        std::fflush(stdout);
    }
    ~TerminalSession()
    {
        std::fputs("\x1b[?25h\x1b[?1049l", stdout);
        std::fflush(stdout);
        if (keys_)
            ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
    }
    TerminalSession(const TerminalSession &) = delete;
    TerminalSession &operator=(const TerminalSession &) = delete;
    bool keys() const { return keys_; }

  private:
    termios saved_{};
    bool keys_ = false;
};

// SIGINT, SIGTERM and SIGHUP end the loop cleanly (the terminal restored, exit 0) instead of killing
// the process; SIGPIPE is ignored so that a closed pipe is a failed write, which also ends it.
class SignalScope
{
  public:
    SignalScope()
    {
        g_stop = 0;
        g_resized = 0;
        struct sigaction sa
        {
        };
        sa.sa_handler = on_stop_signal; // no SA_RESTART: a wait is interrupted
        sigemptyset(&sa.sa_mask);
        for (int s : {SIGINT, SIGTERM, SIGHUP})
            ::sigaction(s, &sa, &saved_[s]);
        struct sigaction winch
        {
        };
        winch.sa_handler = on_winch;
        sigemptyset(&winch.sa_mask);
        ::sigaction(SIGWINCH, &winch, &saved_[SIGWINCH]);
        struct sigaction ign
        {
        };
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        ::sigaction(SIGPIPE, &ign, &saved_[SIGPIPE]);
    }
    ~SignalScope()
    {
        for (int s : {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGPIPE})
            ::sigaction(s, &saved_[s], nullptr);
    }
    SignalScope(const SignalScope &) = delete;
    SignalScope &operator=(const SignalScope &) = delete;

  private:
    struct sigaction saved_[65]{};
};

std::size_t terminal_size(std::size_t *rows)
{
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    {
        *rows = ws.ws_row;
        return ws.ws_col;
    }
    *rows = 24;
    return 80;
}

// Waits until `deadline`; on a terminal reads keys meanwhile. Returns a key pressed (0: none, the
// deadline came or a signal arrived).
char wait_for(std::chrono::steady_clock::time_point deadline, bool keys)
{
    while (!g_stop && !g_resized)
    {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return 0;
        pollfd fd{STDIN_FILENO, POLLIN, 0};
        const int n = ::poll(keys ? &fd : nullptr, keys ? 1 : 0, static_cast<int>(left.count()));
        if (n > 0 && (fd.revents & POLLIN))
        {
            char c = 0;
            if (::read(STDIN_FILENO, &c, 1) == 1)
                return c;
        }
    }
    return 0;
}

std::vector<IntervalRow> rows_of(const std::vector<Delta> &ds, const TopOptions &o)
{
    std::vector<IntervalRow> out;
    for (const auto &d : ds)
    {
        std::string q = d.group->query;
        if (!d.group->toplevel)
            q = "(nested) " + q;
        if (o.all_databases)
            q = d.group->datname + ": " + q;
        out.push_back({d.d.calls, d.d.time, d.d.rows, d.d.io, d.d.temp, d.d.errors, q});
    }
    return out;
}

} // namespace

int run_top_interval(Connection &conn, const std::string &schema, const TopOptions &o)
{
    using clock = std::chrono::steady_clock;
    SignalScope signals;
    const bool tty = ::isatty(STDOUT_FILENO);
    std::optional<TerminalSession> term;
    if (tty)
        term.emplace();
    const bool keys = term && term->keys();
    TopSort key = o.sort;
    const auto step = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(o.interval));
    Snapshot before = read_snapshot(conn, schema, o);
    auto taken = clock::now();
    auto deadline = taken + step;
    std::vector<Delta> shown;
    Snapshot now;
    bool have = false;
    double seconds = o.interval;
    int blocks = 0;
    const auto draw = [&]
    {
        std::size_t height = 0;
        const std::size_t width = tty ? terminal_size(&height) : o.width;
        std::vector<std::string> header = {
            fmt::format("pg_perfgate top -i {}: {}, database {}{}, sorted by {}", o.interval, now_text(),
                        conn.database(), o.all_databases ? " (all databases)" : "", top_sort_name(key))};
        if (tty)
            header.push_back(keys ? "keys: t time, c calls, r rows, i I/O, m temp, e errors; q quits"
                                  : "Ctrl-C quits");
        std::string text;
        if (!have)
            text = render_interval_block(header, {}, key, width, 0) + "collecting the first interval…\n";
        else
        {
            header.push_back(fmt::format("last {:.1f} s: {} query groups ran", seconds, shown.size()));
            std::size_t limit = static_cast<std::size_t>(o.limit);
            if (tty && height > header.size() + 2)
                limit = std::min(limit, height - header.size() - 2);
            text = render_interval_block(header, rows_of(shown, o), key, width, limit);
        }
        if (tty)
        {
            // Line by line, each cleared to its end, so that a redraw does not flicker.
            std::string frame = "\x1b[H";
            std::size_t start = 0, n = 0;
            while (start < text.size() && (height == 0 || n + 1 < height))
            {
                const std::size_t end = text.find('\n', start);
                frame += text.substr(start, end - start) + "\x1b[K\r\n";
                start = end == std::string::npos ? text.size() : end + 1;
                ++n;
            }
            frame += "\x1b[J";
            text = frame;
        }
        else
            text += "\n";
        return std::fputs(text.c_str(), stdout) >= 0 && std::fflush(stdout) == 0;
    };
    if (tty && !draw())
        return 0;
    while (!g_stop)
    {
        const char c = wait_for(deadline, keys);
        if (g_stop || c == 'q' || c == 'Q')
            break;
        if (g_resized)
        {
            g_resized = 0;
            if (!draw())
                break;
            continue;
        }
        if (c != 0)
        {
            const std::string k(1, c);
            const TopSort before_key = key;
            if (c == 't')
                key = TopSort::time;
            else if (c == 'c')
                key = TopSort::calls;
            else if (c == 'r')
                key = TopSort::rows;
            else if (c == 'i')
                key = TopSort::io;
            else if (c == 'm')
                key = TopSort::temp;
            else if (c == 'e')
                key = TopSort::errors;
            if (key != before_key && have)
            {
                shown = deltas(before, now, key);
                if (!draw())
                    break;
            }
            continue;
        }
        Snapshot next = read_snapshot(conn, schema, o);
        const auto at = clock::now();
        seconds = std::chrono::duration<double>(at - taken).count();
        if (have)
            before = std::move(now);
        now = std::move(next);
        taken = at;
        deadline += step;
        if (deadline < at)
            deadline = at + step; // a slow read: the next interval starts now
        shown = deltas(before, now, key);
        have = true;
        if (!draw())
            break; // the pipe was closed: nobody reads any more
        if (o.count > 0 && ++blocks >= o.count)
            break;
    }
    return 0;
}

} // namespace perfgate
