// Baseline files: round trip through JSON, atomic writes, and the distinct errors for a missing
// file, another format version and another environment (all exit code 3).
#include "baseline.hpp"
#include "datagen.hpp"
#include "gate_run.hpp"
#include "errors.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

using namespace perfgate;
namespace fs = std::filesystem;

namespace
{

struct TempDir
{
    fs::path path;
    TempDir()
    {
        std::string t = (fs::temp_directory_path() / "perfgate-test-XXXXXX").string();
        path = mkdtemp(t.data());
    }
    ~TempDir() { fs::remove_all(path); }
};

Results sample()
{
    Results r;
    r.created_at = "2026-01-01T00:00:00Z";
    r.env.server_version = "15.20";
    r.env.server_version_num = 150020;
    r.env.settings = {{"jit", "off"}, {"work_mem", "4096"}};
    r.env.harness_version = "0.1.0";
    r.env.run_settings = {{"random_page_cost", "1.1"}};
    ScenarioResult s;
    s.name = "lookups";
    s.data_hash = "abc";
    s.data_hashes = {{"ids", "0123"}};
    s.settings = {{"work_mem", "64MB"}};
    s.gates.plan_changes_fail = true;
    s.sizes = {10, 100};
    s.iterations = 12;
    s.pairs = {{"batch vs loop", "loop", "batch"}};
    VariantResult v;
    v.name = "loop";
    SizeResult z;
    z.n = 10;
    z.samples_ms = {0.5, 0.25, 0.75};
    z.statements = 10;
    z.plans = {{"ff", "Index Scan using pk on t\n"}};
    z.ext.present = true;
    z.ext.plan_ids = {"-42"};
    z.ext.calls_by_query = {{"123", 10}};
    v.sizes.push_back(z);
    s.variants.push_back(v);
    r.scenarios.push_back(s);
    return r;
}

int exit_code_of(const std::function<void()> &f, std::string &message)
{
    try
    {
        f();
    }
    catch (const Error &e)
    {
        message = e.what();
        return static_cast<int>(e.exit_code());
    }
    return 0;
}

} // namespace

TEST(Baseline, RoundTripKeepsEveryField)
{
    TempDir dir;
    const std::string path = (dir.path / "base.json").string();
    write_results(path, sample());
    const Results back = read_results(path);
    EXPECT_EQ(to_json(back), to_json(sample()));
    EXPECT_DOUBLE_EQ(back.scenarios[0].variants[0].sizes[0].median_ms(), 0.5);
    // Only the file itself: the temporary file was renamed, not left behind.
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}), 1);
}

TEST(Baseline, MissingFileIsExitCode3)
{
    std::string msg;
    EXPECT_EQ(exit_code_of([] { read_results("/nonexistent/base.json"); }, msg), 3);
    EXPECT_NE(msg.find("baseline /nonexistent/base.json is missing"), std::string::npos) << msg;
}

TEST(Baseline, OtherFormatVersionIsExitCode3)
{
    TempDir dir;
    const std::string path = (dir.path / "old.json").string();
    auto j = to_json(sample());
    j["format_version"] = 0;
    std::ofstream(path) << j.dump();
    std::string msg;
    EXPECT_EQ(exit_code_of([&] { read_results(path); }, msg), 3);
    EXPECT_NE(msg.find("results format version 0 cannot be compared"), std::string::npos) << msg;
    std::ofstream(path) << "{ not json";
    EXPECT_EQ(exit_code_of([&] { read_results(path); }, msg), 3);
    EXPECT_NE(msg.find("not valid JSON"), std::string::npos) << msg;
}

TEST(Baseline, FailedWriteLeavesTheOldBaselineIntact)
{
    TempDir dir;
    const std::string path = (dir.path / "base.json").string();
    write_results(path, sample());
    std::string msg;
    EXPECT_EQ(exit_code_of(
                  [&] { write_results((dir.path / "missing-dir" / "base.json").string(), sample()); }, msg),
              2);
    EXPECT_NO_THROW(read_results(path));
}

TEST(Baseline, EnvironmentDifferencesAreNamed)
{
    const Results base = sample();
    Results cur = sample();
    EXPECT_TRUE(environment_differences(base, cur).empty());
    cur.env.server_version = "16.4";
    cur.env.server_version_num = 160004;
    cur.env.settings["work_mem"] = "65536";
    cur.env.extension = true;
    cur.scenarios[0].data_hashes["ids"] = "4567";
    const auto diffs = environment_differences(base, cur);
    ASSERT_EQ(diffs.size(), 4u);
    EXPECT_EQ(diffs[0],
              "server major version: baseline PostgreSQL 15 (15.20), this run PostgreSQL 16 (16.4): "
              "query ids, plans and statement counts are not comparable across major versions");
    EXPECT_EQ(diffs[1], "setting work_mem: baseline 4096, this run 65536");
    EXPECT_EQ(diffs[2], "pg_perfgate extension: baseline absent, this run loaded");
    EXPECT_NE(diffs[3].find("scenario 'lookups': the generation of data set 'ids' changed"),
              std::string::npos);
    std::string msg;
    EXPECT_EQ(exit_code_of([&] { require_comparable(base, cur, "b.json"); }, msg), 3);
    EXPECT_NE(msg.find("setting work_mem"), std::string::npos);
    EXPECT_NE(msg.find("is not comparable"), std::string::npos) << msg;

    // Results written before per-data-set hashes: the whole data section's hash decides.
    Results old_base = sample(), old_cur = sample();
    old_base.scenarios[0].data_hashes.clear();
    old_cur.scenarios[0].data_hash = "def";
    ASSERT_EQ(environment_differences(old_base, old_cur).size(), 1u);
    EXPECT_NE(environment_differences(old_base, old_cur)[0].find("the data generation changed"),
              std::string::npos);
}

TEST(Baseline, MinorVersionAndVariantEditsStayComparable)
{
    const Results base = sample();
    Results cur = sample();
    cur.env.server_version_num = 150021;
    cur.scenarios[0].variants[0].hash = "changed";
    cur.scenarios[0].file_hash = "changed";
    EXPECT_TRUE(environment_differences(base, cur).empty());
}

namespace
{

// A scenario whose variant reads data set `ids`; `extra` is appended to the file.
Workload shop(const std::string &ids_seed, const std::string &extra = "")
{
    return parse_workload("name: shop\nsizes: [10, 100]\ndata:\n  ids:\n    count: $n\n    seed: " +
                              ids_seed + "\n    columns:\n      id: seq\n" + extra +
                              "variants:\n  - name: v\n    steps:\n      - sql: SELECT $1::bigint[]\n"
                              "        params: [$ids.id]\n",
                          "shop.yaml");
}

Results recorded(const Workload &w)
{
    Results r = sample();
    r.scenarios[0].name = w.name;
    r.scenarios[0].sizes = w.sizes;
    r.scenarios[0].data_hash = w.data_hash;
    r.scenarios[0].data_hashes = data_hashes(w);
    return r;
}

} // namespace

// Issue 10, item 7: adding a data set no step uses made the whole scenario exit 3 ("recorded in
// another environment"). Only the data sets the steps read decide comparability.
TEST(Baseline, UnusedDataSetKeepsTheScenarioComparable)
{
    const Results base = recorded(shop("1"));
    const Workload more = shop("1", "  unused:\n    count: 5\n    columns:\n      x: seq\n");
    EXPECT_NE(more.data_hash, base.scenarios[0].data_hash); // the old whole-section hash did change
    EXPECT_NO_THROW(require_same_data(base, {more}, "b.json"));

    // A data set the variant reads, generated differently, still is another measurement.
    std::string msg;
    EXPECT_EQ(exit_code_of([&] { require_same_data(base, {shop("2")}, "b.json"); }, msg), 3);
    EXPECT_NE(msg.find("the generation of data set 'ids' changed"), std::string::npos) << msg;
}

// Issue 10, item 7: the advice on exit 3 was "record a new baseline here", which, run on the change
// under test, blesses the regression.
TEST(Baseline, NotComparableAdviceNeverBlessesTheChange)
{
    Results cur = sample();
    cur.env.settings["work_mem"] = "65536";
    std::string msg;
    EXPECT_EQ(exit_code_of([&] { require_comparable(sample(), cur, "b.json"); }, msg), 3);
    EXPECT_EQ(msg.find("record a new baseline here"), std::string::npos) << msg;
    EXPECT_NE(msg.find("record the baseline from the code the change is compared with"), std::string::npos)
        << msg;
    EXPECT_EQ(exit_code_of([&] { read_results("/nonexistent/b.json"); }, msg), 3);
    EXPECT_NE(msg.find("record the baseline from the code the change is compared with"), std::string::npos)
        << msg;
}

// Issue 10, item 7: the run's --set values are part of the environment.
TEST(Baseline, RunSettingsAreCompared)
{
    Results cur = sample();
    cur.env.run_settings["work_mem"] = "64MB";
    const auto diffs = environment_differences(sample(), cur);
    ASSERT_EQ(diffs.size(), 1u);
    EXPECT_EQ(diffs[0],
              "--set: baseline [random_page_cost=1.1], this run [random_page_cost=1.1, work_mem=64MB]");
}
