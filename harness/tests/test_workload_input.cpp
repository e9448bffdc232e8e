// Workload files a user gets wrong in ways the parser alone would let through: wrong encodings, NUL
// bytes, empty statements and step lists, sizes that cannot fit in memory, YAML alias bombs, and files
// so large that a quadratic check would take minutes. Each is rejected at validation with file:line.
#include "errors.hpp"
#include "workload.hpp"

#include <ctime>

#include <fmt/format.h>
#include <gtest/gtest.h>

using namespace perfgate;

namespace
{

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

std::string with_variant_steps(const std::string &steps)
{
    return "name: t\nsizes: [10]\nvariants:\n  - name: a\n    steps:" + steps;
}

const std::string minimal = with_variant_steps("\n      - sql: SELECT 1\n");

// CPU time of this thread: other jobs on a shared machine do not count against the parser.
double cpu_seconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

} // namespace

TEST(WorkloadInput, MinimalFileParses)
{
    EXPECT_EQ(error_of(minimal), "");
}

TEST(WorkloadInput, Latin1ByteInACommentIsRejectedWithItsLine)
{
    const std::string text = "name: t\n# caf\xE9\n" + minimal.substr(8);
    EXPECT_EQ(error_of(text).rfind("w.yaml:2: not valid UTF-8 (byte 0xE9 at column 6)", 0), 0u)
        << error_of(text);
}

TEST(WorkloadInput, Utf16FileIsRejected)
{
    std::string utf16 = "\xFF\xFE";
    for (char c : minimal)
        utf16 += std::string{c, '\0'};
    EXPECT_NE(error_of(utf16).find("w.yaml:1: the file is UTF-16"), std::string::npos) << error_of(utf16);
    // Without a byte-order mark the NUL bytes give it away.
    EXPECT_NE(error_of(utf16.substr(2)).find("w.yaml:1: a NUL byte in the file"), std::string::npos)
        << error_of(utf16.substr(2));
}

TEST(WorkloadInput, NulInsideSqlIsRejectedNotTruncated)
{
    const std::string e = error_of(with_variant_steps("\n      - sql: \"SELECT 1\\0; DROP TABLE t\"\n"));
    EXPECT_NE(e.find("w.yaml:6: 'sql': contains a NUL character"), std::string::npos) << e;
}

TEST(WorkloadInput, EmptySqlAndEmptyStepListsAreRejected)
{
    EXPECT_NE(error_of(with_variant_steps("\n      - sql: \"\"\n"))
                  .find("w.yaml:6: 'sql': expected an SQL statement"),
              std::string::npos);
    EXPECT_NE(error_of(with_variant_steps("\n      - sql: \" ; \"\n")).find("expected an SQL statement"),
              std::string::npos);
    EXPECT_NE(error_of(with_variant_steps(" []\n")).find("w.yaml:5: 'steps': expected at least one step"),
              std::string::npos)
        << error_of(with_variant_steps(" []\n"));
    EXPECT_NE(error_of(with_variant_steps("\n      - transaction: []\n"))
                  .find("'transaction': expected at least one"),
              std::string::npos);
}

TEST(WorkloadInput, NegativeIterationsAreRejected)
{
    const std::string e = error_of("iterations: -5\n" + minimal);
    EXPECT_NE(e.find("w.yaml:1: 'iterations': expected an integer from 1"), std::string::npos) << e;
}

TEST(WorkloadInput, AbsurdSizesAreRejectedBeforeAnythingIsAllocated)
{
    const std::string data = "data:\n  d:\n    count: {}\n    columns:\n      x: {}\n";
    auto with_data = [&](const std::string &count, const std::string &column)
    { return error_of(fmt::format(fmt::runtime(data), count, column) + minimal); };
    std::string e = with_data("2", "{text: {length: 99999999999}}");
    EXPECT_NE(e.find("w.yaml:5: data set 'd': text length 99999999999 at n=10: expected 0 to"),
              std::string::npos)
        << e;
    e = with_data("$n*1000000000000", "seq");
    EXPECT_NE(e.find("w.yaml:3: data set 'd': count 10000000000000 (from $n*1000000000000) at n=10"),
              std::string::npos)
        << e;
    e = with_data("$n*4000000000000000000", "seq");
    EXPECT_NE(e.find("overflows a 64-bit integer at $n = 10"), std::string::npos) << e;
    e = with_data("1000000", "{text: {length: 10000000}}");
    EXPECT_NE(e.find("w.yaml:3: data set 'd' would hold about"), std::string::npos) << e;
    e = error_of("name: t\nsizes: [1e30]\nvariants: [{name: a, steps: [{sql: SELECT 1}]}]\n");
    EXPECT_NE(e.find("w.yaml:2: 'sizes': expected an integer, got '1e30'"), std::string::npos) << e;
}

TEST(WorkloadInput, AliasBombIsRejectedQuickly)
{
    std::string bomb =
        "name: t\nsizes: [10]\nvariants:\n  - name: a\n    description: &a0 [x, x, x, x, x, x, x, "
        "x, x, x]\n";
    for (int i = 1; i < 10; ++i)
        bomb += fmt::format("  - name: b{}\n    description: &a{} [{}]\n", i, i,
                            fmt::join(std::vector<std::string>(10, fmt::format("*a{}", i - 1)), ", "));
    const double start = cpu_seconds();
    const std::string e = error_of(bomb);
    const double seconds = cpu_seconds() - start;
    EXPECT_NE(e.find("the YAML aliases (*name) expand the document to more than"), std::string::npos) << e;
    EXPECT_LT(seconds, 1.0);
    // A few ordinary aliases are fine.
    EXPECT_EQ(
        error_of("name: t\nsizes: &s [10]\nvariants: [{name: a, steps: &st [{sql: SELECT 1}]}, {name: b, "
                 "steps: *st}]\n"),
        "");
}

// 40,000 variants used to take 7 s (a quadratic duplicate-name check), 200,000 more than two minutes.
// Linear means four times the variants take about four times as long, not sixteen.
TEST(WorkloadInput, ManyVariantsValidateInLinearTime)
{
    auto build = [](int count)
    {
        std::string text = "name: big\nsizes: [10]\nvariants:\n";
        for (int i = 0; i < count; ++i)
            text += fmt::format("  - name: v{}\n    steps:\n      - sql: SELECT {}\n", i, i);
        text += "  - name: v7\n    steps:\n      - sql: SELECT 1\n";
        return text;
    };
    auto seconds_to_reject = [](const std::string &text)
    {
        const double start = cpu_seconds();
        const std::string e = error_of(text);
        EXPECT_NE(e.find("variant 'v7' is defined twice (first at w.yaml:"), std::string::npos) << e;
        return cpu_seconds() - start;
    };
    const std::string small = build(10000), big = build(40000);
    const double t_small = std::min(seconds_to_reject(small), seconds_to_reject(small));
    const double t_big = seconds_to_reject(big);
    EXPECT_LT(t_big, 6 * t_small + 0.5) << "10,000 variants: " << t_small << " s, 40,000: " << t_big << " s";
}
