// The query group: constant-list variants of one statement share it, different statements do not.
#include <gtest/gtest.h>

#include <cstring>

#include "query_group.hpp"

namespace
{

uint64_t group(const char *sql)
{
    return pgpf::query_group(sql, std::strlen(sql));
}

TEST(QueryGroup, InListsOfAnyLengthShareAGroup)
{
    const uint64_t g = group("SELECT * FROM t WHERE id IN ($1)");
    EXPECT_EQ(g, group("SELECT * FROM t WHERE id IN ($1, $2)"));
    EXPECT_EQ(g, group("SELECT * FROM t WHERE id IN ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"));
    EXPECT_EQ(g, group("select * from t where id in (1, -2, 3.5e-3, 'x', E'y\\'z', $$w$$)"));
    EXPECT_EQ(g, group("SELECT * FROM t WHERE id IN ($1::bigint, $2::character varying)"));
}

TEST(QueryGroup, WhatFollowsTheListStillCounts)
{
    EXPECT_EQ(group("SELECT * FROM t WHERE id IN ($1, $2) AND v = $3"),
              group("SELECT * FROM t WHERE id IN ($1) AND v = $2"));
    EXPECT_NE(group("SELECT * FROM t WHERE id IN ($1, $2) AND v = $3"),
              group("SELECT * FROM t WHERE id IN ($1, $2) AND w = $3"));
    EXPECT_NE(group("SELECT * FROM t WHERE id IN ($1, $2)"), group("SELECT * FROM u WHERE id IN ($1, $2)"));
}

TEST(QueryGroup, RowListsAndArrays)
{
    EXPECT_EQ(group("SELECT 1 FROM t WHERE (a, b) IN (($1, $2), ($3, $4))"),
              group("SELECT 1 FROM t WHERE (a, b) IN (($1, $2))"));
    EXPECT_EQ(group("SELECT 1 FROM t WHERE a = ANY(ARRAY[$1, $2, $3])"),
              group("SELECT 1 FROM t WHERE a = ANY(ARRAY[$1])"));
}

TEST(QueryGroup, ListsThatAreNotConstantsAreKept)
{
    EXPECT_NE(group("SELECT * FROM t WHERE id IN ($1, $2)"), group("SELECT * FROM t WHERE id IN ($1, b)"));
    EXPECT_NE(group("SELECT * FROM t WHERE id IN (SELECT x FROM u)"),
              group("SELECT * FROM t WHERE id IN (SELECT y FROM u)"));
    EXPECT_NE(group("SELECT round($1)"), group("SELECT round($1, $2)"));
}

TEST(QueryGroup, ValuesRowsOfOneShapeCountOnce)
{
    const uint64_t g = group("INSERT INTO t (a, b) VALUES ($1, $2)");
    EXPECT_EQ(g, group("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)"));
    EXPECT_EQ(g, group("insert into t (a, b) values (1, 'x'), (2, 'y')"));
    EXPECT_NE(g, group("INSERT INTO t (a, b) VALUES ($1, $2), ($3, now())"));
    EXPECT_EQ(group("INSERT INTO t VALUES ($1, $2), ($3, $4) RETURNING a"),
              group("INSERT INTO t VALUES ($1, $2) RETURNING a"));
    EXPECT_NE(group("INSERT INTO t VALUES ($1, $2) RETURNING a"), group("INSERT INTO t VALUES ($1, $2)"));
}

TEST(QueryGroup, CommentsSpaceAndCaseDoNotCount)
{
    EXPECT_EQ(group("SELECT a FROM t WHERE b = $1"),
              group("/* app: /* nested */ web */ select   a\nfrom T -- trailing\n where B = $1"));
    EXPECT_NE(group("SELECT a FROM t"), group("SELECT a FROM \"T\""));
    EXPECT_NE(group("SELECT \"in\" FROM t"), group("SELECT in FROM t"));
}

TEST(QueryGroup, NeverZeroAndSafeOnCutTexts)
{
    EXPECT_NE(group(""), 0u);
    EXPECT_NE(group("SELECT * FROM t WHERE id IN ($1, $2"), 0u);
    EXPECT_NE(group("SELECT 'unterminated"), 0u);
    EXPECT_NE(group("SELECT $$unterminated"), 0u);
    EXPECT_NE(group("INSERT INTO t VALUES ($1, ($2"), 0u);
}

} // namespace
