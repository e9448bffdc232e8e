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

// In the planner hook, for every plan made: it becomes the latest plan, which its first execution
// then finds without a further walk. Walked now with `walk_now` (planning is recorded under the
// plan id: plan_shape_latest() gives it), at its first execution otherwise.
void plan_made(const PlannedStmt *stmt, bool walk_now);
PlanShape plan_shape_latest();
// At ExecutorStart: the plan's shape, walked at most once per plan however often it runs
// (prepared statements, PL/pgSQL's cached plans), and exact however memory is reused.
PlanShape plan_shape_for(const PlannedStmt *stmt);

} // namespace pgpf
