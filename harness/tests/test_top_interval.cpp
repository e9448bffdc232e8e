// `perfgate top -i SEC` as a user meets it, against a real throw-away cluster with a workload running
// beside it: in a pipe (one plain block per interval, no terminal codes, --sort, -c), and on a terminal,
// a pseudo-terminal that tmux provides (redrawn in place, keys change the sort, q and Ctrl-C exit 0
// with the terminal as it was). The pure rendering is checked without a server.
#include "cluster.hpp"
#include "cluster_env.hpp"
#include "pg.hpp"
#include "top_interval.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace perfgate;
using namespace perfgate::test_support;
namespace fs = std::filesystem;

namespace
{

std::string slurp(const std::string &path)
{
    std::ifstream in(path);
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
}

int shell(const std::string &cmd)
{
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string shell_out(const std::string &cmd)
{
    std::string out;
    if (FILE *p = ::popen(cmd.c_str(), "r"))
    {
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;)
            out.append(buf, n);
        ::pclose(p);
    }
    return out;
}

// A database of its own with the extension, so that the workload does not change what other tests
// count.
const std::string &live_database()
{
    static const std::string name = []
    {
        Connection admin(g_cluster->conninfo("postgres"));
        admin.exec("CREATE DATABASE top_live");
        Connection c(g_cluster->conninfo("top_live"));
        c.exec_script("CREATE EXTENSION pg_perfgate;"
                      "CREATE TABLE live_items (id int PRIMARY KEY, v text);"
                      "INSERT INTO live_items SELECT g, 'v' || g FROM generate_series(1, 1000) g;"
                      "ANALYZE live_items;");
        return std::string("top_live");
    }();
    return name;
}

std::string target()
{
    return "-h " + g_cluster->directory().string() + " -p 5432 -U postgres -d " + live_database();
}

// Runs statements in top_live until stopped: many cheap lookups, and a few sleeps that take the time.
class Workload
{
  public:
    Workload()
        : thread_(
              [this]
              {
                  Connection c(g_cluster->conninfo(live_database()));
                  while (!stop_)
                  {
                      for (int i = 1; i <= 20; ++i)
                          c.exec("SELECT v FROM live_items WHERE id = $1", {std::to_string(i)});
                      c.exec("SELECT pg_sleep($1)", {"0.03"});
                  }
              })
    {
    }
    ~Workload()
    {
        stop_ = true;
        thread_.join();
    }

  private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

int count_of(const std::string &text, const std::string &needle)
{
    int n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

// A tmux server of this test's own, removed with it.
class Tmux
{
  public:
    Tmux() : socket_("perfgate-test-" + std::to_string(::getpid())) {}
    ~Tmux() { shell("tmux -L " + socket_ + " kill-server 2>/dev/null"); }
    bool start(const std::string &command)
    {
        return shell("tmux -L " + socket_ + " new-session -d -s top -x 132 -y 30 '" + command + "'") == 0;
    }
    std::string screen() { return shell_out("tmux -L " + socket_ + " capture-pane -p -t top"); }
    void keys(const std::string &k) { shell("tmux -L " + socket_ + " send-keys -t top " + k); }
    // Waits up to `seconds` for `needle` on the screen; the last screen either way.
    std::string wait_for(const std::string &needle, double seconds)
    {
        const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
        std::string s;
        while (std::chrono::steady_clock::now() < until)
        {
            s = screen();
            if (s.find(needle) != std::string::npos)
                return s;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return s;
    }

  private:
    std::string socket_;
};

bool have_tmux()
{
    return shell("command -v tmux >/dev/null 2>&1") == 0;
}

// What runs in the pane: perfgate, then its exit code and whether the terminal settings are back.
std::string pane_command()
{
    return "before=$(stty -g); " + std::string(PERFGATE_BINARY) + " top -i 0.5 " + target() +
           "; echo EXIT=$?; [ \"$(stty -g)\" = \"$before\" ] && echo TERMINAL=restored; echo DONE; sleep 30";
}

} // namespace

TEST(TopInterval, RenderMarksTheSortKeyAndCutsToWidth)
{
    const std::vector<IntervalRow> rows = {{10, 500.0, 10, 3, 0, 1, "SELECT pg_sleep($1)"},
                                           {20, 1.5, 20, 0, 8, 0, std::string(200, 'x')}};
    const std::string text = render_interval_block({"header"}, rows, TopSort::calls, 80, 10);
    EXPECT_NE(text.find("calls*"), std::string::npos) << text;
    EXPECT_EQ(text.find("total ms*"), std::string::npos) << text;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
    {
        std::size_t width = 0;
        for (const char c : line)
            width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        EXPECT_LE(width, 80u) << line;
    }
    EXPECT_NE(text.find("…"), std::string::npos) << text;
    // The limit, and an empty interval said as such.
    EXPECT_EQ(count_of(render_interval_block({}, rows, TopSort::time, 0, 1), "\n"), 2);
    EXPECT_NE(render_interval_block({}, {}, TopSort::time, 0, 5).find("no statement ran in this interval"),
              std::string::npos);
    TopSort k{};
    for (const char *name : {"time", "calls", "rows", "io", "temp", "errors"})
    {
        ASSERT_TRUE(parse_top_sort(name, k)) << name;
        EXPECT_STREQ(top_sort_name(k), name);
    }
    EXPECT_FALSE(parse_top_sort("cpu", k));
}

// In a pipe: one plain block per interval with the deltas, sorted as asked, no terminal codes, and it
// stops by itself after -c intervals.
TEST(TopInterval, PipePrintsOneBlockPerInterval)
{
    const std::string out = fs::temp_directory_path() / ("perfgate-top-i-" + std::to_string(::getpid()));
    int code;
    {
        Workload w;
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        code = shell(std::string(PERFGATE_BINARY) + " top -i 0.5 -c 3 --sort calls " + target() + " >" + out +
                     " 2>&1 </dev/null");
    }
    const std::string text = slurp(out);
    fs::remove(out);
    ASSERT_EQ(code, 0) << text;
    EXPECT_EQ(count_of(text, "pg_perfgate top -i 0.5: "), 3) << text;
    EXPECT_EQ(count_of(text, "sorted by calls"), 3) << text;
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << "terminal codes in a pipe\n" << text;
    EXPECT_EQ(text.find("keys:"), std::string::npos) << text;
    // The lookups ran 20 times as often as the sleep: sorted by calls they come first in each block.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        text, m,
        std::regex(
            R"(calls\*  total ms  ms/call .*query\n +([0-9]+) +[0-9.]+ +[0-9.]+ +([0-9]+) .*  SELECT v FROM live_items WHERE id = \$1\n)")))
        << text;
    EXPECT_GT(std::stoi(m[1]), 0) << text;
    EXPECT_EQ(m[1], m[2]) << "one row per lookup\n" << text;
    EXPECT_NE(text.find("SELECT pg_sleep($1)"), std::string::npos) << text;
    // Deltas, not totals: the interval's calls are far fewer than the totals a lookup has by now.
    Connection c(g_cluster->conninfo(live_database()));
    const long total = std::stol(std::string(c.exec("SELECT sum(calls) FROM pg_perfgate_statements "
                                                    "WHERE query = 'SELECT v FROM live_items WHERE id = $1'")
                                                 .value(0, 0)));
    EXPECT_LT(std::stol(m[1]), total) << text;
}

TEST(TopInterval, UsageErrors)
{
    EXPECT_EQ(shell(std::string(PERFGATE_BINARY) + " top -i 1 --sort cpu " + target() + " >/dev/null 2>&1"),
              2);
    EXPECT_EQ(shell(std::string(PERFGATE_BINARY) + " top -i 1 --json " + target() + " >/dev/null 2>&1"), 2);
    EXPECT_EQ(shell(std::string(PERFGATE_BINARY) + " top -c 2 " + target() + " >/dev/null 2>&1"), 2);
    EXPECT_EQ(shell(std::string(PERFGATE_BINARY) + " top -i 0 " + target() + " >/dev/null 2>&1"), 2);
}

// On a terminal: redrawn in place, a key changes the sort, q exits 0 and gives the terminal back.
TEST(TopInterval, TerminalKeysAndQuit)
{
    if (!have_tmux())
        GTEST_SKIP() << "tmux is not installed (scripts/deps.sh installs it)";
    Workload w;
    Tmux tmux;
    ASSERT_TRUE(tmux.start(pane_command()));
    std::string s = tmux.wait_for("SELECT v FROM live_items", 15);
    ASSERT_NE(s.find("SELECT v FROM live_items WHERE id = $1"), std::string::npos) << s;
    EXPECT_NE(s.find("sorted by time"), std::string::npos) << s;
    EXPECT_NE(s.find("keys: t time, c calls"), std::string::npos) << s;
    EXPECT_NE(s.find("total ms*"), std::string::npos) << s;
    // Redrawn in place: one header on the screen, however many intervals went by.
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    s = tmux.screen();
    EXPECT_EQ(count_of(s, "pg_perfgate top -i"), 1) << s;
    tmux.keys("c");
    s = tmux.wait_for("sorted by calls", 5);
    EXPECT_NE(s.find("calls*"), std::string::npos) << s;
    tmux.keys("e");
    s = tmux.wait_for("sorted by errors", 5);
    EXPECT_NE(s.find("errors*"), std::string::npos) << s;
    tmux.keys("q");
    s = tmux.wait_for("DONE", 10);
    EXPECT_NE(s.find("EXIT=0"), std::string::npos) << s;
    EXPECT_NE(s.find("TERMINAL=restored"), std::string::npos) << s;
    // The alternate screen is gone: the table is not left on the terminal.
    EXPECT_EQ(s.find("pg_perfgate top -i"), std::string::npos) << s;
}

TEST(TopInterval, TerminalCtrlCExitsCleanly)
{
    if (!have_tmux())
        GTEST_SKIP() << "tmux is not installed (scripts/deps.sh installs it)";
    Tmux tmux;
    ASSERT_TRUE(tmux.start(pane_command()));
    std::string s = tmux.wait_for("pg_perfgate top -i", 15);
    ASSERT_NE(s.find("pg_perfgate top -i"), std::string::npos) << s;
    tmux.keys("C-c");
    s = tmux.wait_for("DONE", 10);
    EXPECT_NE(s.find("EXIT=0"), std::string::npos) << s;
    EXPECT_NE(s.find("TERMINAL=restored"), std::string::npos) << s;
    EXPECT_EQ(s.find("pg_perfgate top -i"), std::string::npos) << s;
}

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);
    return RUN_ALL_TESTS();
}
