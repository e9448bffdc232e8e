// The perfgate command line as a user meets it, run as a separate process against a real throw-away
// cluster: pgbench's connection options (-h is the host, never help), exit codes with the reports a CI
// page needs on every one of them, no password in any output, output paths checked before any work,
// progress lines in logs, clear errors for bad baselines, no cluster directory left behind by an
// impatient double Ctrl-C, and `perfgate top` on a database with a known workload behind it.
#include "cluster.hpp"
#include "cli_support.hpp"
#include "cluster_env.hpp"
#include "pg.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

using namespace perfgate;
using namespace perfgate::test_support;
namespace fs = std::filesystem;

namespace
{

// The test cluster's socket directory, port 5432, user postgres, database perfgate.
std::string socket_dir()
{
    return g_cluster->directory().string();
}

std::string pgbench_style()
{
    return "-h " + socket_dir() + " -p 5432 -U postgres -d perfgate";
}

// A baseline of cli_tiny.yaml, recorded once.
const std::string &baseline_path()
{
    static TempDir dir;
    static const std::string path = dir / "base.json";
    if (!fs::exists(path))
    {
        const CommandResult r =
            run_cli("run " + data_file("cli_tiny.yaml") + " " + pgbench_style() + " -q -o " + path);
        EXPECT_EQ(r.code, 0) << r.all();
    }
    return path;
}

} // namespace

// `perfgate gate -h db.example -b baseline.json` printed help and passed the CI job without running.
TEST(Cli, DashHIsTheHostAsInPgbench)
{
    CommandResult r =
        run_cli("gate " + data_file("cli_tiny.yaml") + " " + pgbench_style() + " -b " + baseline_path());
    EXPECT_EQ(r.code, 0) << r.all();
    EXPECT_NE(r.out.find("result: pass"), std::string::npos) << r.all();
    // A host that does not answer is a connection error naming it, never a pass.
    r = run_cli("gate " + data_file("cli_tiny.yaml") + " -h /nonexistent-perfgate-socket -b " +
                baseline_path());
    EXPECT_EQ(r.code, 2) << r.all();
    EXPECT_NE(r.err.find("cannot connect to the server"), std::string::npos) << r.all();
    EXPECT_NE(r.err.find("/nonexistent-perfgate-socket"), std::string::npos) << r.all();
    // Help is --help, in every subcommand.
    r = run_cli("gate --help");
    EXPECT_EQ(r.code, 0) << r.all();
    EXPECT_NE(r.out.find("-h,--host"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("-U,--username"), std::string::npos) << r.out;
}

TEST(Cli, PgEnvironmentVariablesChooseTheServer)
{
    const CommandResult r =
        run_cli("run " + data_file("cli_tiny.yaml") + " -q",
                "PGHOST=" + socket_dir() + " PGPORT=5432 PGUSER=postgres PGDATABASE=perfgate");
    EXPECT_EQ(r.code, 0) << r.all();
    EXPECT_EQ(r.err.find("starting a throw-away cluster"), std::string::npos) << r.all();
}

TEST(Cli, UnknownCommandOrOptionIsNamed)
{
    CommandResult r = run_cli("frobnicate -b x.json");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.all();
    r = run_cli("");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("no command given"), std::string::npos) << r.all();
    r = run_cli("gate -b x.json --frobnicate");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--frobnicate"), std::string::npos) << r.all();
}

TEST(Cli, VersionNamesTheCommit)
{
    const CommandResult r = run_cli("--version");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("perfgate 0."), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(git "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("(git unknown"), std::string::npos) << r.out;
}

// Exit 2 and 3 wrote no report at all, so the CI page showed nothing; Markdown replaced
// $GITHUB_STEP_SUMMARY instead of adding to it.
TEST(Cli, EveryExitCodeWritesTheRequestedReports)
{
    TempDir tmp;
    const std::string md = tmp / "summary.md";
    std::ofstream(md) << "# earlier step\n";
    struct Case
    {
        std::string args;
        int code;
        std::string junit_has;
    };
    const std::vector<Case> cases = {
        {"gate " + data_file("cli_tiny.yaml") + " " + pgbench_style() + " -b " + baseline_path(), 0,
         "<testcase"},
        {"gate " + data_file("cli_tiny.yaml") + " " + pgbench_style() + " -b " + (tmp / "none.json"), 3,
         "<error message=\"baseline"},
        {"gate " + data_file("cli_tiny.yaml") + " -h /nonexistent-perfgate-socket -b " + baseline_path(), 2,
         "type=\"connection\""},
        {"run " + data_file("it_invalid.yaml") + " " + pgbench_style(), 2, "it_invalid.yaml:6:"},
    };
    int n = 0;
    for (const auto &c : cases)
    {
        const std::string junit = tmp / fmt::format("j{}.xml", n),
                          json_path = tmp / fmt::format("r{}.json", n);
        ++n;
        const CommandResult r =
            run_cli(c.args + " --junit " + junit + " --json " + json_path + " --markdown " + md);
        EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.all();
        const std::string xml = slurp(junit);
        EXPECT_NE(xml.find(c.junit_has), std::string::npos) << c.args << "\n" << xml;
        const nlohmann::json doc = nlohmann::json::parse(slurp(json_path), nullptr, false);
        EXPECT_FALSE(doc.is_discarded()) << c.args;
        if (c.code >= 2)
        {
            EXPECT_EQ(doc["error"]["exit_code"], c.code) << doc.dump();
        }
    }
    const std::string summary = slurp(md);
    EXPECT_EQ(summary.rfind("# earlier step\n", 0), 0u) << summary;
    EXPECT_NE(summary.find(":white_check_mark: pass"), std::string::npos) << summary;
    EXPECT_NE(summary.find("(exit code 3)"), std::string::npos) << summary;
    EXPECT_NE(summary.find("(exit code 2)"), std::string::npos) << summary;
}

TEST(Cli, RegressionFailsWithFailureInJUnit)
{
    TempDir tmp;
    const std::string junit = tmp / "j.xml";
    // The baseline's `series` variant sent one statement; now it loops over n rows, one statement each.
    std::string text = slurp(data_file("cli_tiny.yaml"));
    text.replace(text.find("      - sql: SELECT count(*)"), std::string::npos,
                 "      - sql: SELECT g AS id FROM generate_series(1, $1::int) g\n        params: [$n]\n"
                 "        save_as: ids\n      - loop: ids\n        steps:\n          - sql: SELECT $1::int\n"
                 "            params: [$id]\n");
    std::ofstream(tmp / "loop.yaml") << text;
    const CommandResult r = run_cli("gate " + (tmp / "loop.yaml") + " " + pgbench_style() + " -b " +
                                    baseline_path() + " --junit " + junit);
    EXPECT_EQ(r.code, 1) << r.all();
    EXPECT_NE(slurp(junit).find("<failure message=\"scenario 'tiny', variant 'series'"), std::string::npos)
        << slurp(junit);
}

// The password of --dsn went into the connection error, and from there into CI logs.
TEST(Cli, PasswordIsNeverPrinted)
{
    TempDir tmp;
    const std::vector<std::string> targets = {
        "--dsn 'host=/nonexistent-perfgate-socket user=bob password=Sup3rS3cret'",
        "--dsn 'postgresql://bob:Sup3rS3cret@/db?host=/nonexistent-perfgate-socket'",
        "--dsn 'postgresql://bob:Sup3rS3cret@/db?host=/nonexistent-perfgate-socket&bogus=1'",
        "--dsn 'host=/nonexistent-perfgate-socket password=Sup3rS3cret bogus=1'",
        "-d 'postgresql://bob:Sup3rS3cret@/db?host=/nonexistent-perfgate-socket' -p 5999",
        "--dsn \"password='Sup3rS3cret' host=/nonexistent-perfgate-socket\"",
    };
    for (const auto &t : targets)
    {
        const std::string junit = tmp / "j.xml", md = tmp / "s.md", json = tmp / "e.json";
        const CommandResult r = run_cli("run " + data_file("cli_tiny.yaml") + " " + t + " --junit " + junit +
                                        " --markdown " + md + " --json " + json);
        EXPECT_EQ(r.code, 2) << t << "\n" << r.all();
        EXPECT_NE(r.err.find("***"), std::string::npos) << t << "\n" << r.all();
        for (const std::string &text : {r.all(), slurp(junit), slurp(md), slurp(json)})
            EXPECT_EQ(text.find("Sup3rS3cret"), std::string::npos) << t << "\n" << text;
    }
    const CommandResult ab =
        run_cli("ab " + data_file("cli_tiny.yaml") + " " + pgbench_style() +
                " --reference-dsn 'host=/nonexistent-perfgate-socket password=Sup3rS3cret'");
    EXPECT_EQ(ab.code, 2) << ab.all();
    EXPECT_EQ(ab.all().find("Sup3rS3cret"), std::string::npos) << ab.all();
}

// An unwritable -o was reported only after the whole run.
TEST(Cli, UnwritableOutputIsFoundBeforeAnythingRuns)
{
    TempDir tmp;
    for (const std::string option : {"-o", "--junit", "--markdown", "--json"})
    {
        const auto start = std::chrono::steady_clock::now();
        const CommandResult r = run_cli("run " + data_file("cli_sleepy.yaml") + " " + pgbench_style() + " " +
                                        option + " " + (tmp / "no-such-dir/out"));
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        EXPECT_EQ(r.code, 2) << option << "\n" << r.all();
        EXPECT_NE(r.err.find(option), std::string::npos) << r.all();
        EXPECT_NE(r.err.find("no-such-dir/out: cannot write there"), std::string::npos) << r.all();
        EXPECT_LT(seconds, 3.5) << option << ": the workload (4 s of pg_sleep) ran first";
    }
    const CommandResult r =
        run_cli("run " + data_file("cli_tiny.yaml") + " " + pgbench_style() + " -o " + tmp.path.string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("it is a directory"), std::string::npos) << r.all();
}

// CI logs stayed silent until the end of a 190 s gate.
TEST(Cli, ProgressLinesInLogsWithDashP)
{
    const CommandResult r = run_cli("run " + data_file("cli_sleepy.yaml") + " " + pgbench_style() + " -P 1");
    EXPECT_EQ(r.code, 0) << r.all();
    // Four seconds of statements hold at least three ticks, however long the start took.
    const std::regex tick(R"(progress: \d+\.0 s, \[1/1\] sleepy: n=1 \d+/10\n)");
    const auto ticks =
        std::distance(std::sregex_iterator(r.err.begin(), r.err.end(), tick), std::sregex_iterator());
    EXPECT_GE(ticks, 2) << r.err;
    EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no terminal redraws in a log";
    EXPECT_EQ(r.out.find("progress:"), std::string::npos) << "progress goes to stderr only";
}

TEST(Cli, AbWritesItsResultsWithDashO)
{
    TempDir tmp;
    const std::string out = tmp / "ab.json";
    const CommandResult r =
        run_cli("ab " + data_file("cli_tiny.yaml") + " " + pgbench_style() + " --reference-dsn '" +
                g_cluster->conninfo() + "' -q --no-confirm -o " + out);
    EXPECT_LE(r.code, 1) << r.all();
    const nlohmann::json doc = nlohmann::json::parse(slurp(out), nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << slurp(out);
    EXPECT_EQ(doc.value("format", ""), "perfgate-results");
}

// A baseline with 1e400, sizes of 1e30, or -b naming a directory: exit 3 with what is wrong, not
// "internal error" or sizes printed as -9223372036854775808.
TEST(Cli, BadBaselinesExitThreeWithAReason)
{
    TempDir tmp;
    nlohmann::json doc = nlohmann::json::parse(slurp(baseline_path()));
    doc["scenarios"][0]["sizes"] = nlohmann::json::array({1e30});
    std::ofstream(tmp / "huge.json") << doc.dump();
    std::ofstream(tmp / "inf.json") << R"({"format": "perfgate-results", "format_version": 1e400})";
    fs::create_directory(tmp / "dir.json");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"huge.json", "the number 1e+30 at /scenarios/0/sizes/0 is out of range"},
        {"inf.json", "number overflow parsing '1e400'"},
        {"dir.json", "is a directory, not a results file"},
    };
    for (const auto &[file, message] : cases)
    {
        const CommandResult r = run_cli("compare " + baseline_path() + " -b " + (tmp / file));
        EXPECT_EQ(r.code, 3) << file << "\n" << r.all();
        EXPECT_NE(r.err.find(message), std::string::npos) << r.all();
        EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.all();
        EXPECT_EQ(r.all().find("-9223372036854775808"), std::string::npos) << r.all();
    }
}

TEST(Cli, BadWorkloadFilesExitTwoWithFileAndLine)
{
    TempDir tmp;
    std::ofstream(tmp / "latin1.yaml")
        << "name: t\n# caf\xE9\nsizes: [10]\nvariants: [{name: a, steps: [{sql: SELECT 1}]}]\n";
    const CommandResult r = run_cli("run " + (tmp / "latin1.yaml") + " " + pgbench_style());
    EXPECT_EQ(r.code, 2) << r.all();
    EXPECT_NE(r.err.find("latin1.yaml:2: not valid UTF-8"), std::string::npos) << r.all();
}

// Two Ctrl-C in quick succession: the second one killed the cleanup the first had started, and the
// cluster's directory stayed behind. The terminal sends SIGINT to the whole foreground process group.
TEST(Cli, DoubleCtrlCLeavesNoClusterBehind)
{
    for (int attempt = 0; attempt < 3; ++attempt)
    {
        TempDir tmp;
        const pid_t pid = fork();
        ASSERT_GE(pid, 0);
        if (pid == 0)
        {
            setpgid(0, 0); // a process group of its own, like a terminal's foreground job
            setenv("TMPDIR", tmp.path.c_str(), 1);
            const int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
            execl(PERFGATE_BINARY, PERFGATE_BINARY, "run", data_file("cli_sleepy.yaml").c_str(), "--embedded",
                  "--no-extension", nullptr);
            _exit(127);
        }
        setpgid(pid, pid);
        fs::path started;
        for (int i = 0; i < 600 && started.empty(); ++i)
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            for (const auto &e : fs::directory_iterator(tmp.path))
                if (fs::exists(e.path() / "data" / "postmaster.pid"))
                    started = e.path();
        }
        ASSERT_FALSE(started.empty()) << "the embedded cluster never started";
        kill(-pid, SIGINT);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        kill(-pid, SIGINT);
        int status = 0;
        waitpid(pid, &status, 0);
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << "status " << status;
        for (int i = 0; i < 50 && fs::exists(started); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        EXPECT_FALSE(fs::exists(started)) << started << " was left behind (attempt " << attempt << ")";
    }
}

// --- perfgate top ------------------------------------------------------------------------------------

namespace
{

// A database of its own with a workload whose outcome does not depend on timing: one statement that
// sleeps (by far the most time), a query whose plan changes when an index appears, and a client-side
// N+1 loop (as sql/antipatterns.sql provokes it).
const std::string &top_database()
{
    static const std::string name = []
    {
        Connection admin(g_cluster->conninfo("postgres"));
        admin.exec("CREATE DATABASE top_demo");
        admin.exec("CREATE DATABASE top_noext");
        admin.exec("CREATE ROLE top_reader LOGIN");
        Connection c(g_cluster->conninfo("top_demo"));
        c.exec_script(
            "CREATE EXTENSION pg_perfgate;"
            "CREATE TABLE top_items (id int, v text);"
            "INSERT INTO top_items SELECT g, 'v' || g FROM generate_series(1, 20000) g;"
            "CREATE TABLE top_authors (id int PRIMARY KEY, name text);"
            "CREATE TABLE top_books (id int PRIMARY KEY, author_id int, title text);"
            "INSERT INTO top_authors SELECT g, 'a' || g FROM generate_series(1, 100) g;"
            "INSERT INTO top_books SELECT g, 1 + g % 100, 'b' || g FROM generate_series(1, 20000) g;"
            "CREATE INDEX ON top_books (author_id);"
            "ANALYZE top_items, top_authors, top_books;"
            "SET pg_perfgate.track_utility = off;"
            "SET pg_perfgate.sample_rate = 1;"
            "SET pg_perfgate.burst_window = '10s';"
            "SELECT pg_perfgate_reset(0, (SELECT oid FROM pg_database WHERE datname = 'top_demo'));");
        for (int i = 1; i <= 5; ++i)
            c.exec("SELECT v FROM top_items WHERE id = $1", {std::to_string(i)});
        c.exec_script("CREATE INDEX ON top_items (id); ANALYZE top_items;");
        for (int i = 1; i <= 5; ++i)
            c.exec("SELECT v FROM top_items WHERE id = $1", {std::to_string(i)});
        c.exec("SELECT id FROM top_authors WHERE id <= 12 ORDER BY id");
        for (int i = 1; i <= 12; ++i)
            c.exec("SELECT title FROM top_books WHERE author_id = $1 LIMIT 3", {std::to_string(i)});
        for (int i = 0; i < 8; ++i)
            c.exec("SELECT pg_sleep($1)", {"0.05"});
        return std::string("top_demo");
    }();
    return name;
}

std::string top_target(const std::string &database)
{
    return "-h " + socket_dir() + " -p 5432 -U postgres -d " + database;
}

// The line of `text` that contains `needle` (empty if none).
std::string line_with(const std::string &text, const std::string &needle)
{
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.find(needle) != std::string::npos)
            return line;
    return "";
}

} // namespace

TEST(Top, ShowsHotQueriesPlanChangesAndAntipatterns)
{
    // Run twice: the first run's reads of the views must not show among the second's hot queries.
    ASSERT_EQ(run_cli("top " + top_target(top_database())).code, 0);
    const CommandResult r = run_cli("top " + top_target(top_database()));
    ASSERT_EQ(r.code, 0) << r.all();
    EXPECT_EQ(r.out.rfind("pg_perfgate top: PostgreSQL 15", 0), 0u) << r.out;
    EXPECT_NE(line_with(r.out, "pg_perfgate top:").find("database top_demo"), std::string::npos) << r.out;
    // The sleeper is rank 1 with its 8 calls; the loop's query carries its anti-pattern.
    EXPECT_TRUE(
        std::regex_search(r.out, std::regex(R"(\n +1 +8 +[0-9.]+ +[0-9.]+ .*SELECT pg_sleep\(\$1\)\n)")))
        << r.out;
    EXPECT_NE(
        line_with(r.out, "SELECT title FROM top_books WHERE author_id = $1 LIMIT $2").find(" n_plus_one "),
        std::string::npos)
        << r.out;
    // Its parent is not a loop: it is shown as the loop's parent (issue 18).
    const std::string parent = line_with(r.out, "SELECT id FROM top_authors WHERE id <= $1 ORDER BY id");
    EXPECT_NE(parent.find(" parent of n_plus_one "), std::string::npos) << r.out;
    EXPECT_EQ(parent.find("  n_plus_one"), std::string::npos) << r.out;
    // The lookup ran with a sequential scan, then with the index: one row, two plans, ten calls.
    EXPECT_TRUE(std::regex_search(
        r.out, std::regex(R"(\n *-?[0-9]+ +2 +[0-9.]+x +10  SELECT v FROM top_items WHERE id = \$1\n)")))
        << r.out;
    EXPECT_EQ(r.out.find("no plan changes recorded"), std::string::npos) << r.out;
    // The N+1 finding, its detail and its advice.
    EXPECT_TRUE(std::regex_search(
        r.out, std::regex(R"(\nn_plus_one +-?[0-9]+ +[0-9]+ +[0-9]+  SELECT title FROM top_books)")))
        << r.out;
    EXPECT_NE(r.out.find("\n    advice: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\n    detail: "), std::string::npos) << r.out;
    for (const char *own : {"row_to_json", "pg_extension", "set_config", "pg_perfgate.track"})
        EXPECT_EQ(r.out.find(own), std::string::npos) << own << "\n" << r.out;
}

// In a pipe the texts are whole; with COLUMNS (or on a terminal) every row fits on one line.
TEST(Top, RowsFitTheWidth)
{
    const CommandResult r = run_cli("top " + top_target(top_database()), "COLUMNS=120");
    ASSERT_EQ(r.code, 0) << r.all();
    EXPECT_NE(r.out.find("…\n"), std::string::npos) << "no text was cut\n" << r.out;
    std::istringstream lines(r.out);
    std::string header; // as long as the names in it
    std::getline(lines, header);
    for (std::string line; std::getline(lines, line);)
    {
        std::size_t width = 0;
        for (const char c : line)
            width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        EXPECT_LE(width, 120u) << line;
    }
}

TEST(Top, JsonHasEverySectionWithNumbersAsNumbers)
{
    const CommandResult r = run_cli("top --json " + top_target(top_database()));
    ASSERT_EQ(r.code, 0) << r.all();
    const nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << r.out;
    EXPECT_EQ(doc["database"], "top_demo");
    ASSERT_TRUE(doc["server"].is_object()) << doc.dump(2);
    EXPECT_TRUE(doc["server"]["version_num"].is_number_integer()) << doc.dump(2);
    EXPECT_TRUE(doc["server"]["entries"].is_number_integer()) << doc.dump(2);
    ASSERT_TRUE(doc["hot_queries"].is_array() && !doc["hot_queries"].empty()) << doc.dump(2);
    const auto &first = doc["hot_queries"][0];
    EXPECT_EQ(first["rank"], 1);
    EXPECT_EQ(first["calls"], 8);
    EXPECT_EQ(first["query"], "SELECT pg_sleep($1)");
    EXPECT_TRUE(first["queryid"].is_number_integer()) << first.dump();
    EXPECT_TRUE(first["total_exec_time"].is_number()) << first.dump();
    EXPECT_TRUE(first["time_share_pct"].is_number()) << first.dump();
    EXPECT_TRUE(first["antipatterns"].is_array()) << first.dump();
    ASSERT_TRUE(doc["plan_changes"].is_array()) << doc.dump(2);
    bool change = false;
    for (const auto &p : doc["plan_changes"])
        if (p["query"] == "SELECT v FROM top_items WHERE id = $1")
        {
            change = true;
            EXPECT_EQ(p["plans"], 2) << p.dump();
            EXPECT_EQ(p["calls"], 10) << p.dump();
            EXPECT_TRUE(p["latest_slowdown_vs_best"].is_number()) << p.dump();
        }
    EXPECT_TRUE(change) << doc.dump(2);
    ASSERT_TRUE(doc["antipatterns"].is_array()) << doc.dump(2);
    bool n_plus_one = false;
    for (const auto &a : doc["antipatterns"])
        if (a["kind"] == "n_plus_one")
        {
            n_plus_one = true;
            EXPECT_TRUE(a["occurrences"].is_number_integer()) << a.dump();
            EXPECT_TRUE(a["advice"].is_string()) << a.dump();
        }
    EXPECT_TRUE(n_plus_one) << doc.dump(2);
    // -n limits every section.
    const CommandResult one = run_cli("top --json -n 1 " + top_target(top_database()));
    ASSERT_EQ(one.code, 0) << one.all();
    EXPECT_EQ(nlohmann::json::parse(one.out)["hot_queries"].size(), 1u) << one.out;
}

TEST(Top, PgEnvironmentChoosesTheServerAsInPsql)
{
    const CommandResult r = run_cli("top", "PGHOST=" + socket_dir() +
                                               " PGPORT=5432 PGUSER=postgres PGDATABASE=" + top_database());
    EXPECT_EQ(r.code, 0) << r.all();
    EXPECT_NE(r.out.find("SELECT pg_sleep($1)"), std::string::npos) << r.all();
}

// A role without pg_read_all_stats sees other roles' figures, never their texts.
TEST(Top, OtherRolesTextsAreInsufficientPrivilege)
{
    const std::string target = "-h " + socket_dir() + " -p 5432 -U top_reader -d " + top_database();
    const CommandResult r = run_cli("top " + target);
    ASSERT_EQ(r.code, 0) << r.all();
    EXPECT_NE(line_with(r.out, "<insufficient privilege>").find(" 8 "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("pg_sleep"), std::string::npos) << r.out;
    const CommandResult j = run_cli("top --json " + target);
    ASSERT_EQ(j.code, 0) << j.all();
    const nlohmann::json doc = nlohmann::json::parse(j.out);
    bool hidden = false;
    for (const auto &h : doc["hot_queries"])
        hidden = hidden || (h["calls"] == 8 && h["query"].is_null());
    EXPECT_TRUE(hidden) << doc.dump(2);
}

TEST(Top, ErrorsSayWhatIsWrong)
{
    top_database();
    CommandResult r = run_cli("top " + top_target("top_noext"));
    EXPECT_EQ(r.code, 2) << r.all();
    EXPECT_NE(r.err.find("pg_perfgate is not installed in database \"top_noext\": run CREATE EXTENSION "
                         "pg_perfgate"),
              std::string::npos)
        << r.all();
    r = run_cli("top -h /nonexistent-perfgate-socket -d top_demo");
    EXPECT_EQ(r.code, 2) << r.all();
    EXPECT_NE(r.err.find("cannot connect to the server"), std::string::npos) << r.all();
    EXPECT_NE(r.err.find("/nonexistent-perfgate-socket"), std::string::npos) << r.all();
    for (const std::string n : {"0", "-3", "ten"})
    {
        r = run_cli("top -n " + n + " " + top_target(top_database()));
        EXPECT_EQ(r.code, 2) << n << "\n" << r.all();
        EXPECT_NE(r.err.find("--limit: Value " + n + " not in range 1 to"), std::string::npos) << r.all();
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
}

// CREATE EXTENSION works on a server that did not preload the library; the views then raise an error.
TEST(Top, ExtensionNotPreloadedNamesSharedPreloadLibraries)
{
    EmbeddedCluster plain(ClusterOptions{.preload_extension = false, .quiet = true});
    Connection(plain.conninfo()).exec("CREATE EXTENSION pg_perfgate");
    const CommandResult r =
        run_cli("top -h " + plain.directory().string() + " -p 5432 -U postgres -d perfgate");
    EXPECT_EQ(r.code, 2) << r.all();
    EXPECT_NE(
        r.err.find("pg_perfgate is installed in database \"perfgate\" but the server has not loaded it: "
                   "add pg_perfgate to shared_preload_libraries"),
        std::string::npos)
        << r.all();
}

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);
    return RUN_ALL_TESTS();
}
