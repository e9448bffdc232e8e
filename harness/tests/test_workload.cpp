// Workload parsing and validation: valid files load with the meaning documented in
// docs/workloads.md, and every kind of mistake is rejected with file:line and what was expected.
#include "datagen.hpp"
#include "errors.hpp"
#include "runner.hpp"
#include "steps.hpp"
#include "suite.hpp"
#include "workload.hpp"

#include <filesystem>

#include <gtest/gtest.h>

using namespace perfgate;

namespace
{

const char *valid = R"(name: demo
sizes: [10, 100]
iterations: 11
gates: {min_effect: 0.2}
setup:
  - sql: CREATE TABLE t (id int)
data:
  ids:
    count: $n
    seed: 3
    columns:
      id: {random: {min: 1, max: 1000}}
      label: {text: {length: 8}}
variants:
  - name: loop
    steps:
      - loop: ids
        steps:
          - sql: SELECT * FROM t WHERE id = $1
            params: [$id]
  - name: batch
    batched: true
    steps:
      - sql: SELECT * FROM t WHERE id = ANY($1::int[])
        params: [$ids.id]
        save_as: found
      - loop: found
        steps:
          - sql: SELECT $1::int
            params: [$anything]
pairs:
  - {baseline: loop, candidate: batch}
)";

// The message of the InputError that parsing `text` throws ("" when it parses).
std::string error_of(const std::string &text)
{
    try
    {
        parse_workload(text, "w.yaml");
    }
    catch (const InputError &e)
    {
        return e.what();
    }
    return "";
}

} // namespace

TEST(Workload, ValidFileLoads)
{
    const Workload w = parse_workload(valid, "w.yaml");
    EXPECT_EQ(w.name, "demo");
    EXPECT_EQ(w.sizes, (std::vector<std::int64_t>{10, 100}));
    EXPECT_EQ(w.iterations, 11);
    EXPECT_EQ(w.warmup, 2);
    EXPECT_DOUBLE_EQ(w.gates.min_effect, 0.2);
    ASSERT_EQ(w.variants.size(), 2u);
    EXPECT_TRUE(w.variants[1].batched);
    EXPECT_EQ(w.variants[0].steps[0].kind, StepKind::loop);
    EXPECT_EQ(w.variants[0].steps[0].body[0].loc.line, 19);
    EXPECT_EQ(w.variants[1].steps[0].params[0].kind, ParamExpr::Kind::array);
    EXPECT_EQ(w.pairs[0].label, "batch vs loop");
    EXPECT_NE(w.variants[0].hash, w.variants[1].hash);
}

TEST(Workload, DataHashTracksDataNotVariants)
{
    const Workload a = parse_workload(valid, "w.yaml");
    std::string changed_sql = valid;
    changed_sql.replace(changed_sql.find("WHERE id = $1"), 13, "WHERE id >= $1");
    const Workload b = parse_workload(changed_sql, "w.yaml");
    EXPECT_EQ(a.data_hash, b.data_hash);
    EXPECT_NE(a.variants[0].hash, b.variants[0].hash);
    std::string changed_seed = valid;
    changed_seed.replace(changed_seed.find("seed: 3"), 7, "seed: 4");
    EXPECT_NE(a.data_hash, parse_workload(changed_seed, "w.yaml").data_hash);
}

TEST(WorkloadErrors, MalformedYamlNamesTheLine)
{
    EXPECT_NE(error_of("name: x\nsizes: [1, 2\nvariants: []\n").find("w.yaml:"), std::string::npos);
    EXPECT_NE(error_of("name: x\nsizes: [1, 2\nvariants: []\n").find("malformed YAML"), std::string::npos);
}

TEST(WorkloadErrors, UnknownKeyNamesLineAndAlternatives)
{
    std::string text = valid;
    text.replace(text.find("    batched: true"), 17, "    batchd: true");
    const std::string err = error_of(text);
    EXPECT_NE(err.find("w.yaml:22: variant: unknown key 'batchd'"), std::string::npos) << err;
    EXPECT_NE(err.find("batched"), std::string::npos) << err;
}

TEST(WorkloadErrors, PlaceholderCountMustMatchParams)
{
    std::string text = valid;
    text.replace(text.find("WHERE id = $1"), 13, "WHERE id = $2");
    const std::string err = error_of(text);
    EXPECT_NE(err.find("w.yaml:19:"), std::string::npos) << err;
    EXPECT_NE(err.find("placeholders up to $2 but 1 parameter(s)"), std::string::npos) << err;
}

TEST(WorkloadErrors, UnknownDataSetAndColumn)
{
    std::string text = valid;
    text.replace(text.find("- loop: ids"), 11, "- loop: idz");
    EXPECT_NE(error_of(text).find("w.yaml:17: 'loop': no data set or saved result named 'idz'"),
              std::string::npos)
        << error_of(text);
    text = valid;
    text.replace(text.find("$ids.id"), 7, "$ids.nope");
    EXPECT_NE(error_of(text).find("w.yaml:25: parameter: data set 'ids' has no column 'nope'"),
              std::string::npos)
        << error_of(text);
}

TEST(WorkloadErrors, UnknownScalarVariable)
{
    std::string text = valid;
    text.replace(text.find("params: [$id]"), 13, "params: [$idd]");
    EXPECT_NE(error_of(text).find("w.yaml:20: parameter: unknown variable $idd"), std::string::npos)
        << error_of(text);
}

TEST(WorkloadErrors, StructuralMistakes)
{
    EXPECT_NE(error_of("name: x\nsizes: [10, 5]\nvariants: [{name: a, steps: [{sql: SELECT 1}]}]\n")
                  .find("w.yaml:2: 'sizes': expected strictly ascending"),
              std::string::npos);
    EXPECT_NE(error_of("name: x\nsizes: [10]\nvariants:\n  - {name: a, steps: [{sql: SELECT 1}]}\n  - {name: "
                       "a, steps: [{sql: SELECT 1}]}\n")
                  .find("w.yaml:5: variant 'a' is defined twice (first at w.yaml:4)"),
              std::string::npos);
    EXPECT_NE(error_of("name: x\nsizes: [10]\nvariants: [{name: a, steps: [{sql: SELECT 1}]}]\npairs: "
                       "[{baseline: a, candidate: b}]\n")
                  .find("w.yaml:4: pair: no variant named 'b'"),
              std::string::npos);
    EXPECT_NE(error_of("name: x\nsizes: [10]\nvariants:\n  - name: a\n    steps:\n      - sql: INSERT INTO t "
                       "VALUES ($1)\n"
                       "        values_from: rows\n")
                  .find("no data set or saved result named 'rows'"),
              std::string::npos);
    EXPECT_NE(error_of("name: x\nsizes: [ten]\nvariants: []\n")
                  .find("w.yaml:2: 'sizes': expected an integer, got 'ten'"),
              std::string::npos);
    EXPECT_NE(
        error_of("name: x\nsizes: [1]\niterations: 0\nvariants: [{name: a, steps: [{sql: SELECT 1}]}]\n")
            .find("w.yaml:3: 'iterations': expected an integer from 1 to 100000, got 0"),
        std::string::npos);
    EXPECT_NE(error_of("name: x\nsizes: [1]\nvariants:\n  - name: a\n    steps:\n      - select: 1\n")
                  .find("w.yaml:6: step: expected one of the keys sql, loop"),
              std::string::npos);
}

TEST(WorkloadErrors, ValuesFromNeedsMarker)
{
    const std::string text =
        "name: x\nsizes: [1]\ndata:\n  rows: {count: 3, columns: {id: seq}}\nvariants:\n"
        "  - name: a\n    steps:\n      - sql: INSERT INTO t VALUES (1)\n        values_from: rows\n";
    EXPECT_NE(error_of(text).find("w.yaml:8: 'values_from' needs a {values} marker"), std::string::npos)
        << error_of(text);
}

TEST(Workload, HighestPlaceholderSkipsQuotesAndComments)
{
    EXPECT_EQ(highest_placeholder("SELECT $1, $12"), 12);
    EXPECT_EQ(highest_placeholder("SELECT '$5', \"$6\", $2 -- $9\n"), 2);
    EXPECT_EQ(highest_placeholder("SELECT a$1 FROM t"), 0);
}

TEST(Workload, BuiltinSuiteIsValid)
{
    const auto suite = load_workloads({PERFGATE_SOURCE_WORKLOADS}, {});
    EXPECT_EQ(suite.size(), 11u);
    for (const auto &w : suite)
    {
        EXPECT_GE(w.variants.size(), 2u) << w.name;
        EXPECT_FALSE(w.pairs.empty()) << w.name;
        EXPECT_GE(w.iterations, 10) << w.name << ": the latency gate needs at least 10 samples";
    }
}

TEST(DataGen, DeterministicAndEncoded)
{
    const Workload w = parse_workload(valid, "w.yaml");
    const RowSet a = generate(w.data[0], {{"n", "50"}}), b = generate(w.data[0], {{"n", "50"}});
    ASSERT_EQ(a.rows.size(), 50u);
    EXPECT_EQ(a.rows, b.rows);
    for (const auto &row : a.rows)
    {
        const int id = std::stoi(row[0]);
        EXPECT_GE(id, 1);
        EXPECT_LE(id, 1000);
        EXPECT_EQ(row[1].size(), 8u);
    }
    RowSet tricky;
    tricky.columns = {"v"};
    tricky.rows = {{"a\"b"}, {"c,d\\"}, {"tab\there\nnl"}};
    EXPECT_EQ(array_literal(tricky, 0), R"({"a\"b","c,d\\","tab	here
nl"})");
    EXPECT_EQ(copy_text(tricky, 0, 3), "a\"b\nc,d\\\\\ntab\\there\\nnl\n");
}

// Issue 20: `connect:` runs a body on a connection of its own, in a variant's steps only.
TEST(Workload, ConnectStepParsesInVariantsOnly)
{
    const std::string ok =
        "name: x\nsizes: [1]\ndata:\n  rows: {count: 3, columns: {id: seq}}\nvariants:\n"
        "  - name: a\n    steps:\n      - loop: rows\n        steps:\n"
        "          - connect:\n              - sql: SELECT $1\n                params: [$id]\n";
    const Workload w = parse_workload(ok, "w.yaml");
    ASSERT_EQ(w.variants[0].steps[0].body.size(), 1u);
    const Step &connect = w.variants[0].steps[0].body[0];
    EXPECT_EQ(connect.kind, StepKind::connect);
    ASSERT_EQ(connect.body.size(), 1u);
    EXPECT_EQ(connect.body[0].sql, "SELECT $1");
    EXPECT_TRUE(opens_connections(w.variants[0].steps));
    EXPECT_EQ(connect.describe(), "connect step at w.yaml:10");

    const std::string in_setup = "name: x\nsizes: [1]\nsetup:\n  - connect:\n      - sql: SELECT 1\n"
                                 "variants:\n  - name: a\n    steps:\n      - sql: SELECT 1\n";
    EXPECT_NE(error_of(in_setup).find("w.yaml:4: connect: only a variant's steps may open a connection"),
              std::string::npos)
        << error_of(in_setup);
    const std::string empty =
        "name: x\nsizes: [1]\nvariants:\n  - name: a\n    steps:\n      - connect: []\n";
    EXPECT_NE(error_of(empty).find("w.yaml:6: 'connect': expected at least one step"), std::string::npos)
        << error_of(empty);
    const std::string not_list =
        "name: x\nsizes: [1]\nvariants:\n  - name: a\n    steps:\n      - connect: SELECT 1\n";
    EXPECT_NE(error_of(not_list).find("w.yaml:6: 'connect': expected a list of steps"), std::string::npos)
        << error_of(not_list);
    const std::string extra = "name: x\nsizes: [1]\nvariants:\n  - name: a\n    steps:\n"
                              "      - connect: [{sql: SELECT 1}]\n        sql: SELECT 2\n";
    EXPECT_NE(error_of(extra).find("w.yaml:6: sql step: unknown key 'connect'"), std::string::npos)
        << error_of(extra);
}

TEST(Workload, ConnectApplicationNamesAreUniqueAndFitTheFindingsDetail)
{
    EXPECT_EQ(connect_application_name("run", "connect_per_request", "pooled"),
              "perfgate/connect_per_request/pooled");
    EXPECT_EQ(connect_application_name("current", "s", "v"), "perfgate-current/s/v");
    EXPECT_EQ(connect_application_name("run", "s\xc3\xa9", "v"), "perfgate/s?"
                                                                 "?/v"); // as the server keeps it
    const std::string a = connect_application_name("run", "connect_per_request", "connect_per_request");
    const std::string b = connect_application_name("run", "connect_per_request", "connect_per_requesu");
    EXPECT_EQ(a.size(), max_application_name);
    EXPECT_EQ(a.rfind("perfgate/connect_per_request/", 0), 0u) << a;
    EXPECT_NE(a, b);
    EXPECT_EQ(application_detail("perfgate/s/v"), "application \"perfgate/s/v\": ");
    // Settings given at connection start: spaces and backslashes escaped for libpq's options.
    EXPECT_EQ(startup_options("-c geqo=off", {{"DateStyle", "ISO, MDY"}, {"search_path", "\"a\\b\""}}),
              "-c geqo=off -c DateStyle=ISO,\\ MDY -c search_path=\"a\\\\b\"");
}
