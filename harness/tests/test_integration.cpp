// Integration tests on a real throw-away cluster (started once for the whole binary, as the postgres
// user when run as root). Identical runs pass the gate; a dropped index, keyset turned into OFFSET
// and a batch turned into a loop each fail it, with a message naming the scenario and the metric.
// The CLI tests run the real perfgate binary against the same cluster and check its exit codes.
#include "baseline.hpp"
#include "cluster.hpp"
#include "cluster_env.hpp"
#include "errors.hpp"
#include "gate.hpp"
#include "gate_run.hpp"
#include "runner.hpp"
#include "workload.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace perfgate;
using namespace perfgate::test_support;
namespace fs = std::filesystem;

namespace
{

Results run_file(const std::string &name)
{
    Connection conn(g_cluster->conninfo());
    Progress quiet(false);
    return run_workloads(conn, {load_workload(data_file(name))}, {}, quiet);
}

const Results &baseline()
{
    static const Results base = run_file("it_base.yaml");
    return base;
}

// What `perfgate gate` does (run_gate): re-run the baseline's workload interleaved with `name`,
// compare latency with the re-run (confirming failures) and everything else with the stored baseline.
std::vector<Finding> gate_failures(const std::string &name, Results *current_out = nullptr)
{
    Connection conn(g_cluster->conninfo());
    Progress quiet(false);
    const std::vector<Workload> workloads{load_workload(data_file(name))};
    require_same_data(baseline(), workloads, "it_base");
    GateRun run = run_gate(conn, workloads, baseline(), "it_base", {}, quiet);
    EXPECT_TRUE(run.interleaved);
    std::vector<Finding> out;
    for (const auto &f : run.outcome.findings)
        if (f.verdict == Verdict::fail)
            out.push_back(f);
    if (current_out)
        *current_out = std::move(run.current);
    return out;
}

std::string describe(const std::vector<Finding> &fs)
{
    std::string s;
    for (const auto &f : fs)
        s += "  [" + f.gate + "] " + f.message + "\n";
    return s;
}

bool has_failure(const std::vector<Finding> &fs, const std::string &variant,
                 const std::set<std::string> &gates)
{
    for (const auto &f : fs)
        if (f.variant == variant && gates.count(f.gate) &&
            f.message.find("scenario 'shop'") != std::string::npos &&
            f.message.find("variant '" + variant + "'") != std::string::npos)
            return true;
    return false;
}

struct TempDir
{
    fs::path path;
    TempDir()
    {
        std::string t = (fs::temp_directory_path() / "perfgate-it-XXXXXX").string();
        path = mkdtemp(t.data());
    }
    ~TempDir() { fs::remove_all(path); }
};

struct CommandResult
{
    int code = -1;
    std::string output;
};

CommandResult run_cli(const std::string &args)
{
    TempDir tmp;
    const std::string out = (tmp.path / "out.txt").string();
    const std::string cmd = std::string(PERFGATE_BINARY) + " " + args + " >" + out + " 2>&1";
    const int status = std::system(cmd.c_str());
    std::ifstream in(out);
    std::stringstream buf;
    buf << in.rdbuf();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, buf.str()};
}

std::string dsn()
{
    return "--dsn '" + g_cluster->conninfo() + "'";
}

} // namespace

TEST(Integration, IdenticalRunsPassTheGate)
{
    Results again;
    const auto failures = gate_failures("it_base.yaml", &again);
    EXPECT_TRUE(failures.empty()) << describe(failures);
    // The measurements are what the workload says: one statement per batched variant, 20-row pages.
    const VariantResult *page = again.scenarios[0].variant("page");
    ASSERT_NE(page, nullptr);
    for (const auto &z : page->sizes)
    {
        EXPECT_EQ(z.statements, 1);
        EXPECT_EQ(z.rows_returned, 20);
        EXPECT_EQ(z.samples_ms.size(), 12u);
        EXPECT_EQ(z.plans.size(), 1u);
    }
}

TEST(Integration, DroppedIndexFailsOnThePlan)
{
    const auto failures = gate_failures("it_dropped_index.yaml");
    EXPECT_TRUE(has_failure(failures, "customer_lookup", {"plans"})) << describe(failures);
    bool names_seq_scan = false;
    for (const auto &f : failures)
        names_seq_scan |=
            f.gate == "plans" && f.message.find("Seq Scan on pf_it_orders") != std::string::npos;
    EXPECT_TRUE(names_seq_scan) << describe(failures);
}

TEST(Integration, KeysetTurnedIntoOffsetFails)
{
    const auto failures = gate_failures("it_offset.yaml");
    // With the extension the buffer count decides deterministically; without it, latency at depth 40000.
    EXPECT_TRUE(has_failure(failures, "page", {"buffers", "latency"})) << describe(failures);
    for (const auto &f : failures)
        EXPECT_EQ(f.variant, "page") << describe(failures);
}

TEST(Integration, BatchTurnedIntoLoopFails)
{
    const auto failures = gate_failures("it_loop.yaml");
    EXPECT_TRUE(has_failure(failures, "batch", {"statements"})) << describe(failures);
    EXPECT_TRUE(has_failure(failures, "batch", {"round_trips"})) << describe(failures);
    bool growth = false;
    for (const auto &f : failures)
        growth |=
            f.gate == "growth" && f.message.find("statements per iteration grow with n") != std::string::npos;
    EXPECT_TRUE(growth) << describe(failures);
}

TEST(Integration, SqlErrorNamesScenarioVariantAndStep)
{
    try
    {
        run_file("it_broken_sql.yaml");
        FAIL() << "the broken workload ran";
    }
    catch (const SqlError &e)
    {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("scenario 'broken', variant 'bad', n=1"), std::string::npos) << msg;
        EXPECT_NE(msg.find("sql step at " + data_file("it_broken_sql.yaml") + ":12"), std::string::npos)
            << msg;
        EXPECT_NE(msg.find("no_such_column"), std::string::npos) << msg;
        EXPECT_EQ(e.sqlstate(), "42703");
    }
}

TEST(Integration, CliExitCodes)
{
    TempDir tmp;
    const std::string base = (tmp.path / "base.json").string();
    CommandResult r =
        run_cli("run " + data_file("it_base.yaml") + " " + dsn() + " --iterations 10 -q -o " + base);
    ASSERT_EQ(r.code, 0) << r.output;
    ASSERT_TRUE(fs::exists(base));

    // A regression: exit 1, JUnit and Markdown name the failing gate.
    const std::string junit = (tmp.path / "j.xml").string(), md = (tmp.path / "s.md").string();
    r = run_cli("gate " + data_file("it_loop.yaml") + " " + dsn() + " --iterations 10 -b " + base +
                " --junit " + junit + " --markdown " + md);
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("[FAIL] statements: scenario 'shop', variant 'batch'"), std::string::npos)
        << r.output;
    std::ifstream j(junit);
    const std::string xml((std::istreambuf_iterator<char>(j)), std::istreambuf_iterator<char>());
    EXPECT_NE(xml.find("<testcase classname=\"perfgate.shop\" name=\"statements\">"), std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<failure"), std::string::npos);
    EXPECT_TRUE(fs::exists(md));

    // Baseline problems: exit 3, distinct messages.
    r = run_cli("compare " + base + " -b " + (tmp.path / "none.json").string());
    EXPECT_EQ(r.code, 3) << r.output;
    EXPECT_NE(r.output.find("is missing"), std::string::npos) << r.output;
    {
        std::ifstream in(base);
        nlohmann::json doc = nlohmann::json::parse(in);
        doc["environment"]["settings"]["work_mem"] = "1";
        std::ofstream(tmp.path / "other.json") << doc.dump();
    }
    r = run_cli("compare " + base + " -b " + (tmp.path / "other.json").string());
    EXPECT_EQ(r.code, 3) << r.output;
    EXPECT_NE(r.output.find("setting work_mem: baseline 1, this run"), std::string::npos) << r.output;
    r = run_cli("compare " + base + " -b " + base + " -q");
    EXPECT_EQ(r.code, 0) << r.output;

    // Input and connection errors: exit 2, file:line or the server named.
    r = run_cli("run " + data_file("it_invalid.yaml") + " " + dsn());
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("it_invalid.yaml:6: the statement uses placeholders up to $2 but 1 parameter(s)"),
              std::string::npos)
        << r.output;
    r = run_cli("run " + data_file("it_base.yaml") +
                " --dsn 'host=/nonexistent-socket-dir connect_timeout=2'");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("cannot connect to the server"), std::string::npos) << r.output;
    r = run_cli("run " + data_file("it_slow.yaml") + " " + dsn() + " --statement-timeout 1");
    EXPECT_EQ(r.code, 2) << r.output;
    EXPECT_NE(r.output.find("scenario 'slow', variant 'sleepy', n=1: sql step at"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("canceling statement due to statement timeout"), std::string::npos) << r.output;
    r = run_cli("frobnicate");
    EXPECT_EQ(r.code, 2) << r.output;
    r = run_cli("gate --help");
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("--update-baseline"), std::string::npos);
}

// Without pg_perfgate the harness still gates: fewer metrics, the OFFSET regression is caught by
// latency (confirmed in a second interleaved run) instead of by buffer counts.
TEST(Integration, WorksWithoutTheExtension)
{
    EmbeddedCluster plain(ClusterOptions{.preload_extension = false, .quiet = true});
    EXPECT_FALSE(plain.extension_loaded());
    Connection conn(plain.conninfo());
    Progress quiet(false);
    const Results base = run_workloads(conn, {load_workload(data_file("it_base.yaml"))}, {}, quiet);
    EXPECT_FALSE(base.env.extension);
    EXPECT_FALSE(base.scenarios[0].variants[0].sizes[0].ext.present);

    const std::vector<Workload> offset{load_workload(data_file("it_offset.yaml"))};
    const GateRun run = run_gate(conn, offset, base, "base", {}, quiet);
    bool latency = false;
    for (const auto &f : run.outcome.findings)
    {
        EXPECT_NE(f.gate, "buffers");
        latency |= f.verdict == Verdict::fail && f.gate == "latency" && f.variant == "page" && f.n == 40000 &&
                   f.message.find("confirmed by a second interleaved run") != std::string::npos;
    }
    EXPECT_TRUE(latency) << "no confirmed latency failure for the OFFSET page at n=40000";
}

TEST(Integration, UpdateBaselineWritesAUsableBaseline)
{
    TempDir tmp;
    const std::string base = (tmp.path / "b.json").string();
    CommandResult r = run_cli("gate " + data_file("it_base.yaml") + " " + dsn() +
                              " --iterations 10 -q --update-baseline -b " + base);
    ASSERT_EQ(r.code, 0) << r.output;
    r = run_cli("gate " + data_file("it_base.yaml") + " " + dsn() + " --iterations 10 -q -b " + base);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("perfgate: pass"), std::string::npos) << r.output;
}

// Two targets compared interleaved: here two databases of the test cluster, so nothing differs and
// the gate passes; the report names both targets' runs as interleaved samples.
TEST(Integration, AbComparesTwoTargetsInterleaved)
{
    {
        Connection admin(g_cluster->conninfo("postgres"));
        admin.exec("DROP DATABASE IF EXISTS perfgate_reference");
        admin.exec("CREATE DATABASE perfgate_reference");
    }
    TempDir tmp;
    const std::string json = (tmp.path / "ab.json").string();
    const CommandResult r =
        run_cli("ab " + data_file("it_base.yaml") + " " + dsn() + " --reference-dsn '" +
                g_cluster->conninfo("perfgate_reference") + "' --iterations 10 --json " + json);
    // Two identical targets: every deterministic gate passes. Latency is judged by a statistical
    // test over one short run, and on a loaded machine two server processes can differ for a whole
    // run (seen: a confirmed x1.6-x2.9 on sub-millisecond queries in ~1 of 30 runs), so this test
    // asserts the mechanics, not the false-alarm rate: that is measured over 20+ unchanged runs by
    // harness/tests/false_alarm.sh and reported in docs/ci.md. A latency verdict may fail (exit 1);
    // nothing else may.
    EXPECT_TRUE(r.code == 0 || r.code == 1) << r.output;
    std::ifstream in(json);
    const nlohmann::json doc = nlohmann::json::parse(in);
    int interleaved = 0, deterministic_failures = 0;
    for (const auto &f : doc["gate"]["findings"])
    {
        interleaved +=
            f["gate"] == "latency" &&
            f["message"].get<std::string>().find("against interleaved baseline samples") != std::string::npos;
        // (A plan change fails only together with a worse gate of its variant: not counted here.)
        deterministic_failures += f["gate"] != "latency" && f["gate"] != "plans" && f["verdict"] == "fail";
    }
    EXPECT_EQ(interleaved, 9); // 3 variants x 3 sizes
    EXPECT_EQ(deterministic_failures, 0) << r.output;
    if (r.code == 1)
    {
        EXPECT_NE(r.output.find("latency"), std::string::npos) << r.output;
    }
    const CommandResult usage = run_cli("ab " + data_file("it_base.yaml") + " --reference-dsn x");
    EXPECT_EQ(usage.code, 2) << usage.output;
}

// Issue 10, item 1: with --dsn, a setup line `DROP TABLE IF EXISTS orders` dropped the user's
// public.orders. Everything perfgate creates lives in its own marked schema, dropped afterwards.
TEST(Integration, UserTablesNamedLikeTheWorkloadsAreUntouched)
{
    Connection user(g_cluster->conninfo());
    user.exec("DROP TABLE IF EXISTS public.orders, public.customers CASCADE");
    user.exec("CREATE TABLE public.customers (id bigint PRIMARY KEY, name text)");
    user.exec("CREATE TABLE public.orders (id bigint PRIMARY KEY, note text)");
    user.exec("INSERT INTO public.customers VALUES (1, 'ada'), (2, 'grace')");
    user.exec("INSERT INTO public.orders VALUES (1, 'keep'), (5000, 'keep too')");
    auto fingerprint = [&]
    {
        Result r =
            user.exec("SELECT (SELECT string_agg(id || ':' || note, ',' ORDER BY id) FROM public.orders) || "
                      "'|' || (SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM public.customers) "
                      "|| '|' || 'public.orders'::regclass::oid || '|' || 'public.customers'::regclass::oid");
        return std::string(r.value(0, 0));
    };
    const std::string before = fingerprint();

    TempDir tmp;
    const std::string base = (tmp.path / "b.json").string();
    CommandResult r = run_cli("run " + data_file("it_user_names.yaml") + " " + dsn() + " -q -o " + base);
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(fingerprint(), before);
    r = run_cli("gate " + data_file("it_user_names.yaml") + " " + dsn() + " -q -b " + base);
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(fingerprint(), before);
    r = run_cli("ab " + data_file("it_user_names.yaml") + " " + dsn() + " --reference-dsn '" +
                g_cluster->conninfo() + "' -q");
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(fingerprint(), before);
    // Nothing left behind, and the user's search_path never changed.
    Result left = user.exec("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'perfgate\\_%'");
    EXPECT_EQ(left.value(0, 0), "0");

    // A schema of perfgate's name that perfgate did not create is not perfgate's to drop.
    Connection conn(g_cluster->conninfo());
    const std::string pid(conn.exec("SELECT pg_backend_pid()").value(0, 0));
    user.exec("CREATE SCHEMA perfgate_run_" + pid);
    user.exec("CREATE TABLE perfgate_run_" + pid + ".precious (x int)");
    Progress quiet(false);
    EXPECT_THROW(run_workloads(conn, {load_workload(data_file("it_user_names.yaml"))}, {}, quiet),
                 InputError);
    EXPECT_EQ(user.exec("SELECT to_regclass('perfgate_run_" + pid + ".precious') IS NOT NULL").value(0, 0),
              "t");
    user.exec("DROP SCHEMA perfgate_run_" + pid + " CASCADE");
    user.exec("DROP TABLE public.orders, public.customers");
}

// Issue 10, item 6: a SET in one workload's setup applied to the next workload and to the re-run of
// the baseline's version on the shared connection (the latency gate went blind).
TEST(Integration, SessionSettingsDoNotLeak)
{
    Connection conn(g_cluster->conninfo());
    Progress quiet(false);
    auto shapes = [](const ScenarioResult &s)
    {
        std::string all;
        for (const auto &v : s.variants)
            for (const auto &z : v.sizes)
                for (const auto &[h, shape] : z.plans)
                    all += shape;
        return all;
    };
    const Workload seq = load_workload(data_file("it_session_set.yaml"));
    const Workload plain = load_workload(data_file("it_base.yaml"));
    RunOptions quick;
    quick.iterations = 2;
    quick.warmup = 0;
    // Into the next workload of the same run.
    const Results run = run_workloads(conn, {seq, plain}, quick, quiet);
    EXPECT_EQ(shapes(run.scenarios[0]).find("Index"), std::string::npos) << shapes(run.scenarios[0]);
    EXPECT_NE(shapes(run.scenarios[1]).find("Index Scan"), std::string::npos) << shapes(run.scenarios[1]);
    // Into the other arm of an A/B run.
    const AbResults ab = run_workloads_ab(conn, {plain}, {seq}, quick, quiet);
    EXPECT_NE(shapes(ab.baseline.scenarios[0]).find("Index Scan"), std::string::npos)
        << shapes(ab.baseline.scenarios[0]);
    EXPECT_EQ(shapes(ab.current.scenarios[0]).find("Index"), std::string::npos)
        << shapes(ab.current.scenarios[0]);
    // And out of the run: the connection is back in its own state.
    EXPECT_EQ(conn.exec("SELECT current_setting('enable_indexscan')").value(0, 0), "on");

    // The gate sees the slowdown instead of going blind: the page variant at n=40000 got slower.
    const GateRun gate = run_gate(conn, {seq}, baseline(), "it_base", {}, quiet);
    bool latency = false;
    for (const auto &f : gate.outcome.findings)
        latency |= f.gate == "latency" && f.verdict == Verdict::fail && f.variant == "page" && f.n == 40000;
    EXPECT_TRUE(latency) << "the seq-scan version's slowdown was not seen";
}

// Issue 10, items 2 and 5: plan shapes were taken by an EXPLAIN outside the variant's transaction
// (SET LOCAL invisible) and on tables nobody had analyzed (the plan depended on when it was taken).
TEST(Integration, PlansAreTakenInTheVariantsTransactionSettingsAndStatistics)
{
    Connection conn(g_cluster->conninfo());
    Progress quiet(false);
    const Results r = run_workloads(conn, {load_workload(data_file("it_plans_in_tx.yaml"))}, {}, quiet);
    const ScenarioResult &s = r.scenarios[0];
    ASSERT_EQ(s.variant("local_seqscan")->sizes[0].plans.size(), 1u);
    EXPECT_NE(s.variant("local_seqscan")->sizes[0].plans.begin()->second.find("Seq Scan on pf_it_items"),
              std::string::npos);
    EXPECT_EQ(s.settings.at("enable_bitmapscan"), "off");
    EXPECT_EQ(s.variant("settings_seen")->sizes[0].rows_returned, 1);
    // Loaded in setup without an ANALYZE of its own: perfgate analyzed it.
    EXPECT_EQ(s.variant("loaded_is_analyzed")->sizes[0].rows_returned, 1);
    // EXPLAIN is neither timed nor counted: one statement per iteration for the transaction's SELECT.
    EXPECT_EQ(s.variant("local_seqscan")->sizes[0].statements, 4); // BEGIN, SET LOCAL, SELECT, COMMIT
}

// Issue 20: a `connect:` step runs its body on a connection of its own, in the state the variant's
// session starts in and under an application_name of its own; its statements and its connections count
// as the variant's. pg_perfgate's connection_per_request finding (no query id: the application is named
// in its detail) is tagged on the variant whose connections made it, and on no other.
TEST(Integration, ConnectStepsOpenSessionsOfTheirOwnAndTheirFindingIsTheirs)
{
    Connection conn(g_cluster->conninfo());
    Progress quiet(false);
    const Results r = run_workloads(conn, {load_workload(data_file("it_connect.yaml"))}, {}, quiet);
    ASSERT_TRUE(r.env.extension);
    const ScenarioResult &s = r.scenarios[0];
    const SizeResult &inner = s.variant("inner")->sizes[0];
    EXPECT_EQ(inner.statements, 6);
    EXPECT_EQ(inner.round_trips, 9); // the six statements and the three connections
    // Each inner session saw the scenario's work_mem, its own application_name and perfgate's schema.
    EXPECT_EQ(inner.rows_returned, 6);
    EXPECT_TRUE(inner.stable);
    // The statements sent on the inner connections are the variant's in the extension's figures.
    std::int64_t calls = 0;
    for (const auto &st : inner.ext.statements)
        calls += st.calls;
    EXPECT_EQ(calls, 6);
    // The long-lived connection is perfgate's.
    EXPECT_EQ(s.variant("outer")->sizes[0].rows_returned, 1);

    std::map<std::string, std::set<std::string>> kinds;
    std::string detail;
    for (const auto &a : s.antipatterns)
    {
        kinds[a.at("variant").get<std::string>()].insert(a.at("kind").get<std::string>());
        if (a.at("kind") == "connection_per_request")
            detail = a.value("detail", "");
    }
    EXPECT_TRUE(kinds["churn"].count("connection_per_request"));
    for (const char *quiet_variant : {"inner", "outer", "few", "pooled"})
        EXPECT_FALSE(kinds[quiet_variant].count("connection_per_request")) << quiet_variant;
    EXPECT_EQ(detail.rfind("application \"perfgate/it_connect/churn\": ", 0), 0u) << detail;
    // The inner sessions are gone, the harness's own connection is the only one of this database.
    EXPECT_EQ(conn.exec("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND application_name LIKE 'perfgate/%'")
                  .value(0, 0),
              "0");
}

// Issue 10, item 7: a settings mismatch was found only after the whole run (34 s instead of 0.03 s),
// and the fingerprint covered three of the planner's enable_* switches.
TEST(Integration, SettingsMismatchIsFoundBeforeAnyWorkloadRuns)
{
    TempDir tmp;
    const std::string base = (tmp.path / "b.json").string();
    CommandResult r = run_cli("run " + data_file("it_base.yaml") + " " + dsn() +
                              " --iterations 1 --warmup 0 -q --set enable_hashjoin=off -o " + base);
    ASSERT_EQ(r.code, 0) << r.output;
    std::ifstream in(base);
    const nlohmann::json doc = nlohmann::json::parse(in);
    EXPECT_EQ(doc["environment"]["run_settings"]["enable_hashjoin"], "off");
    EXPECT_EQ(doc["environment"]["settings"]["enable_hashjoin"], "off");
    Connection conn(g_cluster->conninfo());
    Result all = conn.exec("SELECT name FROM pg_settings WHERE name LIKE 'enable\\_%'");
    ASSERT_GT(all.rows(), 10);
    for (int i = 0; i < all.rows(); ++i)
        EXPECT_TRUE(doc["environment"]["settings"].contains(std::string(all.value(i, 0)))) << all.value(i, 0);

    // The mismatch stops the gate before the workload (seconds of work) starts.
    const auto t0 = std::chrono::steady_clock::now();
    r = run_cli("gate " + data_file("it_base.yaml") + " " + dsn() + " -q -b " + base);
    EXPECT_EQ(r.code, 3) << r.output;
    EXPECT_NE(r.output.find("setting enable_hashjoin: baseline off, this run on"), std::string::npos)
        << r.output;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
    r = run_cli("gate " + data_file("it_base.yaml") + " " + dsn() + " -q -b " + base +
                " --set enable_hashjoin=off");
    EXPECT_EQ(r.code, 0) << r.output;
    r = run_cli("run " + data_file("it_base.yaml") + " " + dsn() + " --set no_such_setting=1");
    EXPECT_EQ(r.code, 2) << r.output;
    r = run_cli("run " + data_file("it_base.yaml") + " " + dsn() + " --set novalue");
    EXPECT_EQ(r.code, 2) << r.output;
}

TEST(Integration, DemoReportsRatiosAndGrowth)
{
    TempDir tmp;
    const std::string svg = (tmp.path / "demo.svg").string();
    const CommandResult r =
        run_cli("demo " + dsn() + " --scenario lookups --iterations 10 --warmup 1 --svg " + svg);
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("= ANY($1) vs loop:  n=10 x"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("growth with n"), std::string::npos) << r.output;
    // A loop's statement count grows linearly with the number of ids; the batches' stays constant.
    EXPECT_NE(r.output.find("statements linear      (exponent  1.00)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("== summary: what each fix buys on this machine"), std::string::npos) << r.output;
    EXPECT_TRUE(fs::exists(svg));
}

// Ctrl-C or SIGTERM must stop the embedded server (or the initdb still running) and remove its
// directory: once while initdb writes the cluster, once while the server runs. The child gets its own
// TMPDIR so that clusters of other perfgate processes on the machine are not mistaken for its own.
void interrupt_demo(bool while_initdb, int sig)
{
    TempDir tmp;
    fs::permissions(tmp.path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read |
                                  fs::perms::others_exec); // the postgres user must enter
    auto clusters = [&]
    {
        std::set<fs::path> out;
        for (const auto &e : fs::directory_iterator(tmp.path))
            if (e.path().filename().string().rfind("perfgate-", 0) == 0)
                out.insert(e.path());
        return out;
    };
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0)
    {
        setenv("TMPDIR", tmp.path.c_str(), 1);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        execl(PERFGATE_BINARY, PERFGATE_BINARY, "demo", "--embedded", "--scenario", "pagination", nullptr);
        _exit(127);
    }
    fs::path started;
    for (int i = 0; i < 1000 && started.empty(); ++i)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(while_initdb ? 5 : 100));
        for (const auto &d : clusters())
            if (while_initdb ? fs::exists(d / "data") : fs::exists(d / "data" / "postmaster.pid"))
                started = d;
    }
    ASSERT_FALSE(started.empty()) << "the demo's cluster never got that far";
    kill(pid, sig);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status;
    // Nothing may come back: an initdb left running would write into the directory again.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_FALSE(fs::exists(started)) << started << " was left behind";
    EXPECT_TRUE(clusters().empty());
}

TEST(Integration, InterruptedDemoCleansUp)
{
    interrupt_demo(false, SIGINT);
}

TEST(Integration, TerminatedDuringInitdbCleansUp)
{
    interrupt_demo(true, SIGTERM);
}

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);
    return RUN_ALL_TESTS();
}
