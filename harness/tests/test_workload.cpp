// Workload parsing and validation: valid files load with the meaning documented in
// docs/workloads.md, and every kind of mistake is rejected with file:line and what was expected.
#include "datagen.hpp"
#include "errors.hpp"
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
    EXPECT_EQ(suite.size(), 10u);
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
