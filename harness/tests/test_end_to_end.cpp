// perfgate and pg_perfgate as one product, the way a user meets them: the real perfgate binary against
// servers with the real extension preloaded. These tests fail when the two halves stop meeting: the
// built-in suite on the embedded default must use the extension and tag each bad variant with its
// finding; a gate must explain a regression with the extension's evidence (temp blocks of a spilling
// sort, the plan an index drop caused, the statement a request gained); an extension in another schema
// must be found; and every way the contract can break must be said loudly, in every report.
#include "cluster.hpp"
#include "cli_support.hpp"
#include "cluster_env.hpp"
#include "pg.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

using namespace perfgate;
using namespace perfgate::test_support;
namespace fs = std::filesystem;
using nlohmann::json;

namespace
{

// The binary with no PG* variables (the embedded default unless `args` name a server).
CommandResult run_perfgate(const std::string &args)
{
    return run_cli(args, "env -u PGHOST -u PGPORT -u PGDATABASE -u PGUSER -u PGSERVICE -u PGHOSTADDR");
}

std::string server(const std::string &database)
{
    return fmt::format("-h {} -p 5432 -U postgres -d {}", g_cluster->directory().string(), database);
}

// A fresh database of the test cluster, with `sql` run in it (as the superuser).
void fresh_database(const std::string &name, const std::string &sql)
{
    Connection admin(g_cluster->conninfo("postgres"));
    admin.exec("DROP DATABASE IF EXISTS " + quote_ident(name));
    admin.exec("CREATE DATABASE " + quote_ident(name));
    if (!sql.empty())
        Connection(g_cluster->conninfo(name)).exec_script(sql);
}

// variant -> kinds of the findings tagged on it.
std::map<std::string, std::set<std::string>> kinds_by_variant(const json &scenario)
{
    std::map<std::string, std::set<std::string>> out;
    for (const auto &v : scenario.at("variants"))
        out[v.at("name")];
    for (const auto &a : scenario.at("antipatterns"))
        out[a.at("variant")].insert(a.at("kind").get<std::string>());
    return out;
}

const json *scenario_named(const json &results, const std::string &name)
{
    for (const auto &s : results.at("scenarios"))
        if (s.at("name") == name)
            return &s;
    return nullptr;
}

double median_at(const json &scenario, const std::string &variant, std::int64_t n)
{
    for (const auto &v : scenario.at("variants"))
        if (v.at("name") == variant)
            for (const auto &z : v.at("sizes"))
                if (z.at("n") == n)
                {
                    std::vector<double> s = z.at("samples_ms");
                    std::sort(s.begin(), s.end());
                    return s[s.size() / 2];
                }
    return -1;
}

// The baseline every gate test compares with: the report workload on the shared cluster.
const std::string &report_baseline()
{
    static TempDir dir;
    static const std::string path = dir / "report.json";
    static bool done = false;
    if (!done)
    {
        const CommandResult r = run_perfgate(fmt::format(
            "run {} {} -q --no-progress -o {}", data_file("e2e_report.yaml"), server("perfgate"), path));
        EXPECT_EQ(r.code, 0) << r.out << r.err;
        done = true;
    }
    return path;
}

struct GateRun
{
    CommandResult result;
    std::string markdown, junit;
    json report;
};

GateRun gate_against_report(const std::string &workload)
{
    TempDir tmp;
    GateRun g;
    g.result = run_perfgate(fmt::format(
        "gate {} {} -b {} --no-rerun --no-progress --markdown {} --junit {} --json {}", data_file(workload),
        server("perfgate"), report_baseline(), tmp / "md", tmp / "junit", tmp / "json"));
    g.markdown = slurp(tmp / "md");
    g.junit = slurp(tmp / "junit");
    g.report = json::parse(slurp(tmp / "json"));
    return g;
}

// The failing gates of a gate run's JSON, with their evidence joined.
std::map<std::string, std::string> failed_gates(const json &report, const std::string &variant)
{
    std::map<std::string, std::string> out;
    for (const auto &f : report.at("gate").at("findings"))
        if (f.at("verdict") == "fail" && f.at("variant") == variant)
        {
            std::string &text = out[f.at("gate")];
            for (const auto &e : f.value("evidence", json::array()))
                text += e.get<std::string>() + "\n";
        }
    return out;
}

} // namespace

// The built-in suite on the embedded default: the extension is in use, every bad variant carries its
// finding, and no fixed variant carries one of those kinds.
TEST(EndToEnd, BuiltInSuiteOnTheEmbeddedDefaultTagsEveryBadVariant)
{
    TempDir tmp;
    const CommandResult r = run_perfgate(
        "run --scenario n_plus_one --scenario pagination --scenario bulk_insert --scenario large_reads "
        "--scenario indexes --scenario session_settings --scenario wide_rows --scenario repeated_reads "
        "--scenario connect_per_request "
        "--iterations 3 --no-progress -q --json " +
        (tmp / "run.json"));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
    const json results = json::parse(slurp(tmp / "run.json"));
    const json &x = results.at("environment").at("extension_state");
    EXPECT_EQ(x.at("use"), "in use") << x.dump();
    EXPECT_EQ(x.at("api_version"), 5);

    struct Expect
    {
        const char *scenario, *bad, *kind;
        std::vector<const char *> fixed;
    };
    const std::vector<Expect> expected = {
        {"n_plus_one", "lazy_n_plus_one", "n_plus_one", {"join", "batch_load"}},
        {"pagination", "offset", "deep_offset", {"keyset"}},
        {"bulk_insert", "row_autocommit", "row_by_row_write", {"multi_values", "copy"}},
        // single_row is fixed too: the server sends the whole result either way and reports it, but the
        // harness knows the client held one row at a time, and does not tag it.
        {"large_reads", "fetch_all", "unstreamed_fetch", {"cursor", "single_row"}},
        {"indexes", "no_index", "filter_heavy_seq_scan", {"composite_index"}},
        {"session_settings", "session_set", "session_setting", {"set_local"}},
        {"wide_rows", "select_star", "wide_fetch", {"narrow"}},
        // Every variant's reads repeat from one iteration to the next (keyset's pages, the indexed
        // lookups): cache_candidate is tagged only on a variant that repeats a read itself.
        {"repeated_reads", "same_values", "cache_candidate", {"cached"}},
        {"connect_per_request", "connect_per_request", "connection_per_request", {"pooled"}},
    };
    std::set<std::string> bad_kinds;
    for (const auto &e : expected)
        bad_kinds.insert(e.kind);
    for (const auto &e : expected)
    {
        const json *s = scenario_named(results, e.scenario);
        ASSERT_NE(s, nullptr) << e.scenario;
        const auto kinds = kinds_by_variant(*s);
        EXPECT_TRUE(kinds.at(e.bad).count(e.kind)) << e.scenario << ": " << e.bad << " lacks " << e.kind;
        for (const char *fixed : e.fixed)
            for (const auto &k : kinds.at(fixed))
                EXPECT_FALSE(bad_kinds.count(k))
                    << e.scenario << ": the fixed variant " << fixed << " is flagged " << k;
        // Every variant that ran statements has the extension's per-statement figures.
        for (const auto &v : s->at("variants"))
            EXPECT_FALSE(v.at("sizes").back().at("extension").at("statements").empty())
                << e.scenario << "/" << v.at("name");
    }
    EXPECT_FALSE(
        kinds_by_variant(*scenario_named(results, "repeated_reads")).at("varied").count("cache_candidate"));
    // The missing index is named by its columns.
    bool named = false;
    for (const auto &a : scenario_named(results, "indexes")->at("antipatterns"))
        if (a.at("kind") == "filter_heavy_seq_scan" &&
            a.value("detail", "").find("customer_id") != std::string::npos)
            named = true;
    EXPECT_TRUE(named);
    // So is the large column of a wide fetch.
    bool wide_named = false;
    for (const auto &a : scenario_named(results, "wide_rows")->at("antipatterns"))
        if (a.at("kind") == "wide_fetch" && a.value("detail", "").find("pf_docs.body") != std::string::npos)
            wide_named = true;
    EXPECT_TRUE(wide_named);
    // A connection per request is the finding of the one variant that opened those connections (its
    // application is named in the detail); the harness's own long connection never makes it.
    for (const auto &sc : results.at("scenarios"))
        for (const auto &a : sc.at("antipatterns"))
            if (a.at("kind") == "connection_per_request")
            {
                EXPECT_EQ(sc.at("name"), "connect_per_request");
                EXPECT_EQ(a.at("variant"), "connect_per_request");
                EXPECT_EQ(a.value("detail", "").rfind("application \"perfgate/connect_per_request/", 0), 0u)
                    << a.value("detail", "");
            }

    // Durable, as a default server: a commit per row is the slow habit, as it is in production.
    const json &settings = results.at("environment").at("settings");
    EXPECT_EQ(settings.at("fsync"), "on");
    EXPECT_EQ(settings.at("synchronous_commit"), "on");
    const json *bulk = scenario_named(results, "bulk_insert");
    EXPECT_LT(median_at(*bulk, "row_transaction", 500), median_at(*bulk, "row_autocommit", 500));
}

// Variants are independent requests: a variant that repeats one lookup right after another
// variant read 100 rows (a replayed capture's shape) is not an N+1 loop, while a variant that loops
// over its own parent's rows is. Before each run of a variant the harness resets the session as a
// pool does; without that, the other variant's read was taken for the lookups' parent.
TEST(EndToEnd, NeighbouringVariantsAreNotEachOthersParents)
{
    TempDir tmp;
    const CommandResult r = run_perfgate(fmt::format(
        "run {} --no-progress -q --json {}", data_file("e2e_replay_neighbours.yaml"), tmp / "run.json"));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const json results = json::parse(slurp(tmp / "run.json"));
    const auto kinds = kinds_by_variant(results.at("scenarios").at(0));
    EXPECT_TRUE(kinds.at("read_many").empty());
    EXPECT_TRUE(kinds.at("lookups").empty()) << *kinds.at("lookups").begin();
    EXPECT_TRUE(kinds.at("loop").count("n_plus_one"));
}

// A read repeated only because every iteration repeats the variant is not a cache candidate of the
// workload; a read the variant itself repeats in one run is.
TEST(EndToEnd, CacheCandidateOnlyForReadsRepeatedWithinARun)
{
    TempDir tmp;
    const CommandResult r = run_perfgate(fmt::format(
        "run {} --no-progress -q --json {}", data_file("e2e_iteration_repeats.yaml"), tmp / "run.json"));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const json results = json::parse(slurp(tmp / "run.json"));
    const auto kinds = kinds_by_variant(results.at("scenarios").at(0));
    EXPECT_FALSE(kinds.at("once_per_run").count("cache_candidate"));
    EXPECT_TRUE(kinds.at("again_in_run").count("cache_candidate"));
}

// A server whose extension lives in its own schema, reached through --dsn.
TEST(EndToEnd, ExtensionInAnotherSchemaThroughDsn)
{
    fresh_database("e2e_schema", "CREATE SCHEMA tools; CREATE EXTENSION pg_perfgate SCHEMA tools;");
    TempDir tmp;
    const CommandResult r = run_perfgate(
        fmt::format("run {} --dsn 'host={} port=5432 user=postgres dbname=e2e_schema' --iterations 2 -q "
                    "--no-progress --json {}",
                    data_file("e2e_report.yaml"), g_cluster->directory().string(), tmp / "run.json"));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const json results = json::parse(slurp(tmp / "run.json"));
    const json &x = results.at("environment").at("extension_state");
    EXPECT_EQ(x.at("use"), "in use") << x.dump();
    EXPECT_EQ(x.at("schema"), "tools");
    bool seen = false;
    for (const auto &v : results.at("scenarios").at(0).at("variants"))
        for (const auto &st : v.at("sizes").at(0).at("extension").at("statements"))
            seen |= st.at("query").get<std::string>().find("pf_e2e_orders") != std::string::npos &&
                    st.at("calls").get<std::int64_t>() > 0;
    EXPECT_TRUE(seen);
}

// pgbench beside the app, as the same role in the same database: its statements are not the
// variants'. The figures are limited to the query ids and texts each variant sent.
TEST(EndToEnd, PgbenchBesideTheRunStaysOutOfItsFigures)
{
    fresh_database("e2e_pgbench", "CREATE EXTENSION pg_perfgate;");
    const std::string pgbench = (postgres_bindir() / "pgbench").string();
    const std::string target = fmt::format("-h {} -p 5432 -U postgres", g_cluster->directory().string());
    ASSERT_EQ(
        std::system(fmt::format("{} {} -i -q -s 1 e2e_pgbench >/dev/null 2>&1", pgbench, target).c_str()), 0);
    // Bounded: 60 s at most, stopped as soon as the run is done.
    const std::string pidfile = fs::temp_directory_path() / "perfgate-e2e-pgbench.pid";
    ASSERT_EQ(std::system(fmt::format("({} {} -n -S -c 2 -T 60 e2e_pgbench >/dev/null 2>&1 & echo $! > {})",
                                      pgbench, target, pidfile)
                              .c_str()),
              0);
    TempDir tmp;
    const CommandResult r =
        run_perfgate(fmt::format("run {} {} --iterations 3 -q --no-progress --json {}",
                                 data_file("e2e_report.yaml"), server("e2e_pgbench"), tmp / "run.json"));
    std::system(fmt::format("kill $(cat {}) 2>/dev/null; rm -f {}", pidfile, pidfile).c_str());
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    const json results = json::parse(slurp(tmp / "run.json"));
    for (const auto &v : results.at("scenarios").at(0).at("variants"))
    {
        const json &statements = v.at("sizes").at(0).at("extension").at("statements");
        EXPECT_FALSE(statements.empty()) << v.at("name");
        for (const auto &st : statements)
            EXPECT_EQ(st.at("query").get<std::string>().find("pgbench"), std::string::npos)
                << v.at("name") << ": " << st.dump();
    }
    for (const auto &a : results.at("scenarios").at(0).at("antipatterns"))
        EXPECT_EQ(a.value("query", "").find("pgbench"), std::string::npos) << a.dump();
}

// A session-level SET work_mem in a workload's setup: the sort spills, and only the extension's temp
// blocks show it deterministically.
TEST(EndToEnd, SpillFailsTheGateOnTempBlocks)
{
    const GateRun g = gate_against_report("e2e_report_spill.yaml");
    EXPECT_EQ(g.result.code, 1) << g.result.out << g.result.err;
    const auto failed = failed_gates(g.report, "monthly_report");
    ASSERT_TRUE(failed.count("temp_blocks")) << g.result.out;
    EXPECT_NE(failed.at("temp_blocks").find("ORDER BY note, id"), std::string::npos)
        << failed.at("temp_blocks");
}

// An index dropped by a migration: the gate names the plan change, in the terminal and in Markdown.
TEST(EndToEnd, DroppedIndexNamesThePlanChange)
{
    const GateRun g = gate_against_report("e2e_report_no_index.yaml");
    EXPECT_EQ(g.result.code, 1) << g.result.out << g.result.err;
    const std::string change = "Bitmap Index Scan on pf_e2e_orders_customer -> Seq Scan on pf_e2e_orders";
    EXPECT_NE(g.result.out.find(change), std::string::npos) << g.result.out;
    EXPECT_NE(g.result.out.find("pg_perfgate plan id"), std::string::npos) << g.result.out;
    EXPECT_NE(g.markdown.find(change), std::string::npos) << g.markdown;
    EXPECT_NE(g.junit.find("Bitmap Index Scan on pf_e2e_orders_customer -&gt; Seq Scan on pf_e2e_orders"),
              std::string::npos)
        << g.junit;
    const auto failed = failed_gates(g.report, "customer_page");
    EXPECT_TRUE(failed.count("buffers")) << g.result.out;
}

// One more statement per request: the gate names the statement, not only the count.
TEST(EndToEnd, ExtraStatementIsNamed)
{
    const GateRun g = gate_against_report("e2e_report_extra_statement.yaml");
    EXPECT_EQ(g.result.code, 1) << g.result.out << g.result.err;
    const std::string named = "new statement: `SELECT count(*) FROM pf_e2e_orders WHERE customer_id = $1`";
    EXPECT_NE(g.result.out.find(named), std::string::npos) << g.result.out;
    EXPECT_NE(g.markdown.find(named), std::string::npos) << g.markdown;
    EXPECT_NE(failed_gates(g.report, "customer_page").at("statements").find(named), std::string::npos);
}

// Every way the two halves can fail to meet is said: on stderr, in the JSON, in Markdown and JUnit.
TEST(EndToEnd, ContractBreakagesAreLoud)
{
    struct Breakage
    {
        const char *database, *sql, *reason;
    };
    const std::vector<Breakage> breakages = {
        {"e2e_renamed",
         "CREATE EXTENSION pg_perfgate; ALTER VIEW pg_perfgate_statements RENAME COLUMN "
         "shared_blks_hit TO shared_hit;",
         "pg_perfgate_statements has no column shared_blks_hit"},
        {"e2e_old_api",
         "CREATE EXTENSION pg_perfgate; ALTER EXTENSION pg_perfgate DROP FUNCTION pg_perfgate_api_version(); "
         "DROP FUNCTION pg_perfgate_api_version();",
         "ALTER EXTENSION pg_perfgate UPDATE"},
        {"e2e_api_1",
         "CREATE EXTENSION pg_perfgate; CREATE OR REPLACE FUNCTION pg_perfgate_api_version() RETURNS integer "
         "LANGUAGE sql AS 'SELECT 1';",
         "offer API 1, this perfgate reads API 4"},
        {"e2e_no_samples",
         "CREATE EXTENSION pg_perfgate; ALTER EXTENSION pg_perfgate DROP FUNCTION "
         "pg_perfgate_param_samples(); "
         "DROP FUNCTION pg_perfgate_param_samples();",
         "function pg_perfgate_param_samples() is missing"},
        {"e2e_not_created", "", "run CREATE EXTENSION pg_perfgate there (the server preloads it)"},
        {"e2e_no_grant",
         "CREATE EXTENSION pg_perfgate; CREATE ROLE e2e_plain LOGIN; "
         "REVOKE SELECT ON pg_perfgate_statements FROM PUBLIC; GRANT CREATE ON DATABASE e2e_no_grant TO "
         "e2e_plain;",
         "role \"e2e_plain\" may not read pg_perfgate_statements"},
    };
    {
        Connection admin(g_cluster->conninfo("postgres"));
        admin.exec("DROP DATABASE IF EXISTS e2e_no_grant");
        admin.exec("DROP ROLE IF EXISTS e2e_plain");
    }
    for (const auto &b : breakages)
    {
        SCOPED_TRACE(b.database);
        fresh_database(b.database, b.sql);
        TempDir tmp;
        const std::string user = std::string(b.database) == "e2e_no_grant" ? "e2e_plain" : "postgres";
        const CommandResult r =
            run_perfgate(fmt::format("run {} -h {} -p 5432 -U {} -d {} --iterations 1 --warmup 0 "
                                     "--no-progress --json {} --markdown {} "
                                     "--junit {}",
                                     data_file("e2e_report.yaml"), g_cluster->directory().string(), user,
                                     b.database, tmp / "json", tmp / "md", tmp / "junit"));
        EXPECT_EQ(r.code, 0) << r.out << r.err;
        EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(b.reason), std::string::npos) << r.err;
        const json x = json::parse(slurp(tmp / "json")).at("environment").at("extension_state");
        EXPECT_EQ(x.at("use"), "unusable");
        EXPECT_TRUE(x.at("warning").get<bool>());
        EXPECT_NE(x.at("reason").get<std::string>().find(b.reason), std::string::npos) << x.dump();
        const std::string md = slurp(tmp / "md"), junit = slurp(tmp / "junit");
        EXPECT_NE(md.find(":warning: pg_perfgate NOT USED"), std::string::npos) << md;
        EXPECT_NE(junit.find("<skipped message=\"pg_perfgate NOT USED"), std::string::npos) << junit;
        EXPECT_NE(r.out.find("pg_perfgate NOT USED"), std::string::npos) << r.out;
    }
}

// A server that has the extension created but never loaded the library.
TEST(EndToEnd, NotPreloadedIsSaid)
{
    EmbeddedCluster plain(ClusterOptions{.preload_extension = false, .quiet = true});
    Connection(plain.conninfo()).exec("CREATE EXTENSION pg_perfgate");
    TempDir tmp;
    const CommandResult r =
        run_perfgate(fmt::format("run {} -h {} -p 5432 -U postgres -d perfgate --iterations 1 "
                                 "--warmup 0 -q --no-progress --json {}",
                                 data_file("e2e_report.yaml"), plain.directory().string(), tmp / "json"));
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("add pg_perfgate to shared_preload_libraries"), std::string::npos) << r.err;
    EXPECT_EQ(json::parse(slurp(tmp / "json")).at("environment").at("extension_state").at("use"), "unusable");
}

int main(int argc, char **argv)
{
    ::testing::InitGoogleTest(&argc, argv);
    ::testing::AddGlobalTestEnvironment(new ClusterEnvironment);
    return RUN_ALL_TESTS();
}
