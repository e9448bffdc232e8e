// The extension's evidence under a gate failure: plan changes named by their nodes, statements that
// appeared or run more often named by their text, the statement whose blocks grew.
#include "evidence.hpp"

#include <gtest/gtest.h>

using namespace perfgate;

namespace
{

ExtStatement statement(const std::string &query, const std::string &planid, std::int64_t calls,
                       const std::string &plan = "", std::int64_t blocks = 0, std::int64_t temp = 0)
{
    ExtStatement st;
    st.queryid = std::to_string(std::hash<std::string>{}(query) % 100000);
    st.planid = planid;
    st.query = query;
    st.calls = calls;
    st.plan = plan;
    st.shared_blks_hit = blocks;
    st.temp_blks_written = temp;
    return st;
}

ExtFigures figures(std::vector<ExtStatement> statements)
{
    ExtFigures e;
    e.present = true;
    e.statements = std::move(statements);
    return e;
}

const char *const lookup = "SELECT id FROM orders WHERE customer_id = $1";
const char *const index_plan =
    "Index Scan using orders_customer on orders\n  Index Cond: (customer_id = $1)\n";
const char *const seq_plan = "Seq Scan on orders\n  Filter: (customer_id = $1)\n";

} // namespace

TEST(Evidence, PlanChangeNamesTheNodesThatDiffer)
{
    EXPECT_EQ(plan_change(index_plan, seq_plan),
              "Index Scan using orders_customer on orders -> Seq Scan on orders");
    EXPECT_EQ(plan_change(index_plan, index_plan), "");
    // Conditions are not shape.
    EXPECT_EQ(plan_change(seq_plan, "Seq Scan on orders\n  Filter: (customer_id = 7)\n"), "");
    // The same nodes in another order: both shapes, whole.
    EXPECT_EQ(plan_change("Hash Join\n  ->  Seq Scan on a\n  ->  Hash\n        ->  Seq Scan on b\n",
                          "Hash Join\n  ->  Seq Scan on b\n  ->  Hash\n        ->  Seq Scan on a\n"),
              "Hash Join / Seq Scan on a / Hash / Seq Scan on b -> Hash Join / Seq Scan on b / Hash / Seq "
              "Scan on a");
}

TEST(Evidence, ALatencyFailureNamesThePlanChangeWithBothPlanIds)
{
    const auto lines = extension_evidence(figures({statement(lookup, "11", 1, index_plan, 3)}),
                                          figures({statement(lookup, "22", 1, seq_plan, 300)}), "latency");
    ASSERT_GE(lines.size(), 2u);
    EXPECT_EQ(lines[0], "plan of `SELECT id FROM orders WHERE customer_id = $1` changed: Index Scan using "
                        "orders_customer on orders -> Seq Scan on orders (pg_perfgate plan id 11 -> 22)");
    EXPECT_EQ(lines[1],
              "`SELECT id FROM orders WHERE customer_id = $1`: shared buffers (hit + read) 3 -> 300 per "
              "iteration");
}

TEST(Evidence, AStatementCountFailureNamesTheNewStatement)
{
    const auto lines = extension_evidence(
        figures({statement(lookup, "1", 1)}),
        figures({statement(lookup, "1", 1), statement("SELECT count(*) FROM orders", "2", 1)}), "statements");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "new statement: `SELECT count(*) FROM orders` (1 call(s) per iteration)");
    const auto more = extension_evidence(figures({statement(lookup, "1", 1)}),
                                         figures({statement(lookup, "1", 10)}), "round_trips");
    ASSERT_EQ(more.size(), 1u);
    EXPECT_EQ(
        more[0],
        "`SELECT id FROM orders WHERE customer_id = $1` runs more often: 1 -> 10 call(s) per iteration");
}

TEST(Evidence, TempBlocksNameTheSpillingStatement)
{
    const auto lines = extension_evidence(
        figures({statement("SELECT * FROM t ORDER BY x", "1", 1, "", 10, 0)}),
        figures({statement("SELECT * FROM t ORDER BY x", "1", 1, "", 10, 690)}), "temp_blocks");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "`SELECT * FROM t ORDER BY x`: temp blocks written 0 -> 690 per iteration");
}

TEST(Evidence, NothingWithoutTheExtensionOnBothSides)
{
    ExtFigures absent;
    EXPECT_TRUE(extension_evidence(absent, figures({statement(lookup, "1", 5)}), "statements").empty());
    // A results file from before per-statement figures: present, but nothing to name.
    EXPECT_TRUE(extension_evidence(figures({}), figures({}), "latency").empty());
}
