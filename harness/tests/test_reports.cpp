// The reports as a reader meets them: the side-by-side latency table in the terminal and in Markdown,
// ratios in the same words everywhere, anti-pattern flags next to the failure they explain and not
// repeated when the baseline already had them, and error reports for runs that ended without a verdict.
#include "baseline.hpp"
#include "gate.hpp"
#include "report.hpp"
#include "top.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

using namespace perfgate;

namespace
{

SizeResult size_result(std::int64_t n, double ms, std::int64_t statements)
{
    SizeResult z;
    z.n = n;
    for (int i = 0; i < 12; ++i)
        z.samples_ms.push_back(ms * (1 + 0.01 * ((i * 7) % 5 - 2)));
    z.statements = z.round_trips = statements;
    return z;
}

Results results(double loop_ms, std::int64_t loop_statements)
{
    Results r;
    ScenarioResult s;
    s.name = "lookups";
    s.sizes = {100};
    VariantResult loop, batch;
    loop.name = "loop";
    loop.sizes = {size_result(100, loop_ms, loop_statements)};
    batch.name = "batch";
    batch.batched = true;
    batch.sizes = {size_result(100, 1.0, 1)};
    s.variants = {loop, batch};
    s.pairs = {Pair{.label = "batch vs loop", .baseline = "loop", .candidate = "batch"}};
    r.scenarios.push_back(s);
    return r;
}

nlohmann::json flag(const std::string &kind, const std::string &variant, const std::string &query)
{
    return {{"kind", kind},   {"variant", variant}, {"n", 100},
            {"query", query}, {"queryid", 12345},   {"advice", "batch the lookups into one = ANY($1) query"}};
}

} // namespace

TEST(Reports, SpeedWordsSayTheSameThingEverywhere)
{
    EXPECT_EQ(speed_words(1.3), "x1.30 slower");
    EXPECT_EQ(speed_words(0.5), "x2.00 faster");
    EXPECT_EQ(speed_words(1.0), "same");
    // A pair whose candidate takes 0.76 of the time: the terminal and Markdown both say "faster".
    const Results r = results(1.0 / 0.76, 1);
    const std::string text = render_text(r, nullptr), md = render_markdown(r, nullptr);
    EXPECT_NE(text.find("n=100 x1.32 faster"), std::string::npos) << text;
    EXPECT_NE(md.find("n=100: x1.32 faster"), std::string::npos) << md;
    EXPECT_EQ(md.find("x0.76"), std::string::npos) << md;
}

TEST(Reports, SideBySideTableInTerminalAndMarkdown)
{
    const Results base = results(4.0, 100), cur = results(8.0, 100);
    // Interleaved samples: latency from stored samples alone is informational (docs/ci.md).
    const GateOutcome g = evaluate(cur, &base, &base);
    const std::string text = render_text(cur, &g, &base), md = render_markdown(cur, &g, &base);
    EXPECT_NE(text.find("latency, side by side"), std::string::npos) << text;
    EXPECT_NE(text.find("baseline ms   current ms          ratio        interval  verdict"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("lookups / loop"), std::string::npos) << text;
    EXPECT_NE(text.find("4.00         8.00   x2.00 slower"), std::string::npos) << text;
    EXPECT_NE(md.find("| scenario | variant | n | baseline ms | current ms | ratio | interval | verdict |"),
              std::string::npos)
        << md;
    EXPECT_NE(md.find("| lookups | loop | 100 | 4.000 | 8.000 | x2.00 slower |"), std::string::npos) << md;
    EXPECT_NE(md.find("| **fail** |"), std::string::npos) << md;
}

TEST(Reports, FlagsExplainTheirFailureAndBaselineFlagsAreNotRepeated)
{
    Results base = results(1.0, 1), cur = results(1.0, 100);
    const nlohmann::json old_flag = flag("slow_filter", "batch", "SELECT * FROM t WHERE x = $1");
    base.scenarios[0].antipatterns.push_back(old_flag);
    cur.scenarios[0].antipatterns.push_back(old_flag);
    cur.scenarios[0].antipatterns.push_back(flag("n_plus_one", "loop", "SELECT * FROM t WHERE id = $1"));
    const GateOutcome g = evaluate(cur, &base);
    ASSERT_TRUE(g.failed());
    const std::string text = render_text(cur, &g, &base), md = render_markdown(cur, &g, &base);
    // The new flag sits under the statements failure of the variant it explains.
    const auto failure = text.find("[FAIL] statements: scenario 'lookups', variant 'loop'");
    ASSERT_NE(failure, std::string::npos) << text;
    EXPECT_NE(text.find("pg_perfgate flagged this variant: n_plus_one - batch the lookups", failure),
              std::string::npos)
        << text;
    EXPECT_NE(md.find("<br>pg_perfgate flagged this variant: n_plus_one"), std::string::npos) << md;
    // The flag the baseline already had is counted, not listed as new.
    EXPECT_EQ(text.find("batch (n=100): slow_filter"), std::string::npos) << text;
    EXPECT_NE(text.find("1 flag(s) already in the baseline, not repeated"), std::string::npos) << text;
    EXPECT_NE(text.find("loop (n=100): n_plus_one"), std::string::npos) << text;
    EXPECT_EQ(md.find("`batch` (n=100): slow_filter"), std::string::npos) << md;
}

TEST(Reports, ErrorReportsCarryTheReason)
{
    const RunError e{
        .command = "gate", .exit_code = 3, .kind = "baseline", .message = "b.json: <missing> & gone"};
    const std::string xml = render_error_junit(e);
    EXPECT_NE(xml.find("<error message=\"b.json: &lt;missing&gt; &amp; gone\" type=\"baseline\">"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("errors=\"1\""), std::string::npos);
    const std::string md = render_error_markdown(e);
    EXPECT_NE(md.find("## perfgate gate: :warning: baseline missing or not comparable (exit code 3)"),
              std::string::npos)
        << md;
    EXPECT_EQ(error_json(e)["error"]["exit_code"], 3);
}

// Text that is not UTF-8 (a server in another encoding) made the results dump throw
// json type_error 316 at the very end of a run: no results at all.
TEST(Reports, ResultsWithInvalidUtf8AreStillWritten)
{
    Results r = results(1.0, 1);
    r.scenarios[0].description = "caf\xE9";
    const std::string path = (std::filesystem::temp_directory_path() / "perfgate-utf8-test.json").string();
    ASSERT_NO_THROW(write_results(path, r));
    const Results back = read_results(path);
    EXPECT_EQ(back.scenarios[0].description, "caf\xEF\xBF\xBD");
    std::filesystem::remove(path);
}

// perfgate top's text: one line per row whatever the query's layout, cut on a character boundary, and
// a role without pg_read_all_stats (texts null) or an empty store still gets every section.
TEST(Reports, TopTextFitsOneLineAndSaysWhatIsMissing)
{
    using perfgate::one_line;
    EXPECT_EQ(one_line("  SELECT a,\n\t b\r\n  FROM t  ", 80), "SELECT a, b FROM t");
    EXPECT_EQ(one_line("SELECT 123456", 8), "SELECT …");
    EXPECT_EQ(one_line("SELECT 'héé'", 10), "SELECT 'h…");
    EXPECT_EQ(one_line("SELECT 'ééé'", 10), "SELECT 'é…");
    EXPECT_EQ(one_line("SELECT 'ééé'", 0), "SELECT 'ééé'");

    nlohmann::ordered_json top = {{"server", {{"version", "15.20 (Debian)"}, {"entries", 2}, {"max", 5000}}},
                                  {"database", "app"},
                                  {"hot_queries_in_scope", 0},
                                  {"hot_queries", nlohmann::ordered_json::array()},
                                  {"plan_changes", nlohmann::ordered_json::array()},
                                  {"antipatterns", nlohmann::ordered_json::array()}};
    std::string text = perfgate::render_top_text(top, {}, 100);
    EXPECT_EQ(
        text.rfind("pg_perfgate top: PostgreSQL 15.20, database app, 2/5000 entries, stats since never\n", 0),
        0u)
        << text;
    for (const char *empty :
         {"no hot queries recorded", "no plan changes recorded", "no anti-patterns recorded"})
        EXPECT_NE(text.find(empty), std::string::npos) << text;

    top["hot_queries"].push_back({{"rank", 1},
                                  {"calls", 3},
                                  {"total_exec_time", 1.5},
                                  {"time_share_pct", 100},
                                  {"mean_exec_time", 0.5},
                                  {"p95_exec_time", nullptr},
                                  {"rows_per_call", 1},
                                  {"plan_count", 1},
                                  {"errors", 0},
                                  {"antipatterns", nlohmann::ordered_json::array()},
                                  {"queryid", nullptr},
                                  {"query", nullptr}});
    top["antipatterns"].push_back({{"kind", "n_plus_one"},
                                   {"queryid", nullptr},
                                   {"occurrences", 1},
                                   {"calls", 12},
                                   {"detail", nullptr},
                                   {"advice", nullptr},
                                   {"query", nullptr}});
    text = perfgate::render_top_text(top, {}, 100);
    EXPECT_NE(
        text.find("   1      3      1.50    100.0    0.500       -        1.0      1       0  -              "
                  "<insufficient privilege>\n"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("\nn_plus_one         -            1     12  <insufficient privilege>\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("advice:"), std::string::npos) << text;
}
