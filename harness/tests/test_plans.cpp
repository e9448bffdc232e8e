// Plan shapes from EXPLAIN text: node lines only, so constants and filters never change the hash but
// a different access path does.
#include "plans.hpp"

#include <gtest/gtest.h>

using namespace perfgate;

TEST(PlanShape, KeepsNodesDropsDetails)
{
    const std::vector<std::string> explain{
        "Limit",
        "  ->  Index Scan using pf_items_pkey on pf_items",
        "        Index Cond: (id > '42'::bigint)",
    };
    EXPECT_EQ(plan_shape(explain), "Limit\n  ->  Index Scan using pf_items_pkey on pf_items\n");
}

TEST(PlanShape, ConstantsDoNotChangeTheHashButAccessPathsDo)
{
    const std::vector<std::string> a{"Index Scan using t_customer on t", "  Index Cond: (customer_id = 42)"};
    const std::vector<std::string> b{"Index Scan using t_customer on t", "  Index Cond: (customer_id = 7)"};
    const std::vector<std::string> seq{"Seq Scan on t", "  Filter: (customer_id = 42)"};
    EXPECT_EQ(shape_hash(plan_shape(a)), shape_hash(plan_shape(b)));
    EXPECT_NE(shape_hash(plan_shape(a)), shape_hash(plan_shape(seq)));
}

TEST(PlanShape, TreeStructureCounts)
{
    const std::vector<std::string> nested{"Nested Loop", "  ->  Seq Scan on a",
                                          "  ->  Index Scan using b_pkey on b"};
    const std::vector<std::string> hashed{"Hash Join", "  Hash Cond: (a.id = b.id)", "  ->  Seq Scan on a",
                                          "  ->  Hash", "        ->  Seq Scan on b"};
    EXPECT_NE(plan_shape(nested), plan_shape(hashed));
    EXPECT_EQ(plan_shape(hashed), "Hash Join\n  ->  Seq Scan on a\n  ->  Hash\n        ->  Seq Scan on b\n");
}

TEST(PlanShape, OnlyExplainableStatementsAreExplained)
{
    EXPECT_TRUE(explainable("SELECT 1"));
    EXPECT_TRUE(explainable("  with x as (select 1) select * from x"));
    EXPECT_TRUE(explainable("(SELECT 1) UNION (SELECT 2)"));
    EXPECT_TRUE(explainable("delete from t where id = $1"));
    EXPECT_FALSE(explainable("BEGIN"));
    EXPECT_FALSE(explainable("VACUUM ANALYZE t"));
    EXPECT_FALSE(explainable("COPY t FROM STDIN"));
}
