// The workload model: what a workload file (YAML, see docs/workloads.md) means once parsed and
// validated. Invariants after load_workload(): every name is unique within its kind, every `$set.col`
// reference names a declared data set and column, loops and COPY name a data set or a saved result,
// every SQL statement's highest `$k` placeholder matches its parameter count, sizes are positive and
// ascending, and every pair names two existing variants. Errors are InputError with file:line.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace perfgate
{

struct SourceLoc
{
    std::string file;
    int line = 0; // 1-based
    std::string str() const;
};

// Scalar variables visible to a step: `n` (the current data size), a loop's columns, user `vars`.
using Vars = std::map<std::string, std::string>;

// An integer that may depend on variables: a literal, or `$name`, optionally followed by one
// `* k`, `/ k`, `+ k` or `- k` (enough to say "n rows", "n/10 pages", "n+1").
struct IntExpr
{
    std::string var; // empty: a literal
    char op = 0;
    std::int64_t value = 0; // the literal, or k
    SourceLoc loc;
    std::int64_t eval(const Vars &vars) const;
    std::string str() const;
    static IntExpr literal(std::int64_t v)
    {
        IntExpr e;
        e.value = v;
        return e;
    }
};

// One bound parameter: a literal, NULL, a scalar variable, or a data set column as an array literal.
struct ParamExpr
{
    enum class Kind
    {
        literal,
        null,
        scalar,
        array
    } kind = Kind::literal;
    std::string text;   // literal text, or variable name, or set name for arrays
    std::string column; // for arrays
    SourceLoc loc;
};

struct ColumnGen
{
    enum class Kind
    {
        seq,
        random,
        text,
        pick
    } kind = Kind::seq;
    std::string name;
    IntExpr start = IntExpr::literal(1), step = IntExpr::literal(1), min = IntExpr::literal(1),
            max = IntExpr::literal(100), length = IntExpr::literal(16);
    std::vector<std::string> choices;
};

struct DataSet
{
    std::string name;
    IntExpr count;
    std::uint64_t seed = 1;
    std::vector<ColumnGen> columns;
    SourceLoc loc;
};

enum class StepKind
{
    sql,         // one statement, or `values_from`: a multi-row statement built from placeholders
    loop,        // body once per row of a data set or a saved result
    transaction, // BEGIN; body; COMMIT
    copy,        // COPY table FROM STDIN with a data set's rows
    cursor,      // DECLARE ... CURSOR, FETCH `fetch` rows at a time, CLOSE (in a transaction)
    single_row,  // libpq single-row mode
    connect // body on a new connection of its own (same server, user, database and settings), closed after
};

struct Step
{
    StepKind kind = StepKind::sql;
    SourceLoc loc;
    std::string sql;
    std::vector<ParamExpr> params;
    std::string values_from;       // sql: expand `{values}` into ($1,$2),($3,$4)... from this set
    std::int64_t values_batch = 0; // sql with values_from: rows per statement (0: all in one)
    std::string save_as;           // sql: keep the result rows as a set for later loops
    std::string over;              // loop: data set or saved result
    std::vector<Step> body;        // loop, transaction, connect
    std::string copy_target;       // copy: "table(col, ...)"
    std::string copy_from;         // copy: data set
    std::int64_t fetch = 1000;     // cursor: rows per FETCH
    std::string describe() const;  // "step at file:line (sql: SELECT ...)"
};

struct Variant
{
    std::string name;
    std::string description;
    bool batched = false; // its statement count must not grow with the data size
    std::vector<Step> steps;
    std::string hash; // of its steps: tells whether the code under test changed since the baseline
    SourceLoc loc;
};

struct Pair
{
    std::string label;
    std::string baseline;  // the usual, slower way
    std::string candidate; // the better way
};

struct GateConfig
{
    double min_effect = 0.10;       // latency must be worse by more than this to count
    double alpha = 0.01;            // significance of the one-sided Mann-Whitney U test
    double buffer_tolerance = 0.05; // relative slack on shared buffer counts
    bool latency = true;
    bool plans = true;
    // false ("judge"): a changed plan fails only when another gate of the same variant and size fails
    // with it (it got slower or more wasteful); otherwise it is reported as a change. true: any change fails.
    bool plan_changes_fail = false;
};

struct Workload
{
    std::string name;
    std::string description;
    std::string file;
    std::string file_hash; // whole file, informational
    std::string data_hash; // sizes and data generation: must match for results to be comparable
    std::string source;    // the file's text, kept in results so a later gate can re-run this version
    std::vector<std::int64_t> sizes;
    int warmup = 2;
    int iterations = 12;
    std::vector<Step> setup;          // once per scenario
    std::vector<Step> setup_per_size; // once per size, after the data sets are generated
    std::vector<Step> before_each;    // before every iteration of every variant, not measured
    std::vector<Step> teardown;       // after the scenario
    std::vector<DataSet> data;
    std::vector<Variant> variants;
    std::vector<Pair> pairs;
    GateConfig gates;
    // `settings:` name -> value, applied to the session (set_config) before the scenario's setup.
    std::map<std::string, std::string> settings;
};

Workload load_workload(const std::string &path);
Workload parse_workload(const std::string &text, const std::string &file_name);

// Highest `$k` placeholder in a statement, skipping string literals, quoted identifiers and comments.
int highest_placeholder(const std::string &sql);

} // namespace perfgate
