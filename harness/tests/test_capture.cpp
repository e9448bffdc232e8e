// perfgate capture's PG-free parts: array literals from pg_stats, and --redact's choice of the column
// each value stands for.
#include "capture_data.hpp"

#include <gtest/gtest.h>

using namespace perfgate;

TEST(CaptureArrays, ParsesQuotedEscapedAndNullElements)
{
    EXPECT_EQ(parse_array_literal("{1,2,3}"), (std::vector<std::string>{"1", "2", "3"}));
    EXPECT_EQ(parse_array_literal(R"({"a b","it's","x\"y",NULL,"NULL"})"),
              (std::vector<std::string>{"a b", "it's", "x\"y", "NULL"}));
    EXPECT_EQ(parse_array_literal("{}"), std::vector<std::string>{});
    EXPECT_EQ(parse_array_literal("not an array"), std::vector<std::string>{});
}

namespace
{
DataPlan plan_with(const std::string &column, std::vector<std::string> mcv, std::vector<double> freqs,
                   std::vector<std::string> hist)
{
    DataPlan p;
    ColumnStats s;
    s.mcv = std::move(mcv);
    s.freqs = std::move(freqs);
    s.hist = std::move(hist);
    p.columns[column] = s;
    return p;
}
} // namespace

TEST(CaptureRedact, ValuesComeFromTheComparedColumnsStatistics)
{
    const DataPlan p = plan_with("email", {"a@x", "b@x"}, {0.5, 0.5}, {});
    std::vector<std::vector<Param>> samples = {{std::string("secret@corp"), std::string("10")}};
    bool redacted = false;
    ASSERT_TRUE(redact_samples(p, "SELECT * FROM users WHERE users.email = $1 LIMIT $2", samples, &redacted));
    EXPECT_TRUE(redacted);
    ASSERT_TRUE(samples[0][0].has_value());
    EXPECT_TRUE(*samples[0][0] == "a@x" || *samples[0][0] == "b@x") << *samples[0][0];
    EXPECT_EQ(samples[0][1], Param(std::string("10"))); // LIMIT is no data: kept
}

TEST(CaptureRedact, InsertValuesStandForTheirColumns)
{
    const DataPlan p = plan_with("body", {}, {}, {"h1", "h2", "h3"});
    std::vector<std::vector<Param>> samples = {{std::string("private text")}};
    bool redacted = false;
    ASSERT_TRUE(redact_samples(p, "INSERT INTO notes (body) VALUES ($1) RETURNING id", samples, &redacted));
    EXPECT_NE(samples[0][0], Param(std::string("private text")));
}

TEST(CaptureRedact, AValueWithNoColumnIsNotWrittenReal)
{
    const DataPlan p = plan_with("email", {"a@x"}, {1.0}, {});
    std::vector<std::vector<Param>> samples = {{std::string("secret")}};
    bool redacted = false;
    EXPECT_FALSE(redact_samples(p, "SELECT upper($1)", samples, &redacted));
}
