// plan_cache.hpp — the plan id computed once per plan, not once per execution (plan_cache.cpp).
#pragma once

#include "pg.hpp"

namespace pgpf
{

struct PlanShape
{
    uint64 planid;
    uint32 features; // PLAN_HAS_* (plan_id.hpp)
};

namespace plan_cache_detail
{
// The latest plan the planner hook saw (plan_cache.cpp says why this is exact).
struct Latest
{
    const PlannedStmt *stmt;
    const Plan *plan_tree;
    const List *rtable;
    uint64 queryid;
    bool known; // walked
    PlanShape shape;
};
extern Latest latest;
// The reuse cache: direct-mapped by the plan's address (plan_cache.cpp keeps it exact).
constexpr int kSlots = 256;
struct Slot
{
    const PlannedStmt *stmt;
    int context1; // 1 + the index of its context in plan_cache.cpp's registry, 0 when empty
    PlanShape shape;
};
extern Slot slots[kSlots];
inline int slot_of(const PlannedStmt *stmt)
{
    const uintptr_t p = reinterpret_cast<uintptr_t>(stmt);
    return int((p >> 4 ^ p >> 12) & (kSlots - 1));
}
} // namespace plan_cache_detail

// In the planner hook, for every plan made: it becomes the latest plan, which its first execution
// then finds, walking it there once. (Planning that is recorded walks it at once instead:
// plan_walk_latest().)
inline void plan_made(const PlannedStmt *stmt)
{
    plan_cache_detail::Latest &l = plan_cache_detail::latest;
    l.stmt = stmt;
    l.plan_tree = stmt->planTree;
    l.rtable = stmt->rtable;
    l.queryid = stmt->queryId;
    l.known = false;
}
// Walks the latest plan now, and returns its shape.
PlanShape plan_walk_latest();
// The shape of a plan made before the latest one, run again, not found in the reuse cache.
PlanShape plan_shape_reused(const PlannedStmt *stmt);
// At ExecutorStart: the plan's shape, walked at most once per plan however often it runs
// (prepared statements, PL/pgSQL's cached plans), and exact however memory is reused. Inline for
// the usual case, the first execution of the plan just made.
inline PlanShape plan_shape_for(const PlannedStmt *stmt)
{
    const plan_cache_detail::Latest &l = plan_cache_detail::latest;
    if (likely(stmt == l.stmt && stmt->planTree == l.plan_tree && stmt->rtable == l.rtable &&
               uint64(stmt->queryId) == l.queryid))
        return l.known ? l.shape : plan_walk_latest();
    const plan_cache_detail::Slot &s = plan_cache_detail::slots[plan_cache_detail::slot_of(stmt)];
    if (s.stmt == stmt)
        return s.shape;
    return plan_shape_reused(stmt);
}

} // namespace pgpf
