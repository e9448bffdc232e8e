/*
 * plan_cache.cpp — the plan id computed once per plan, reused by every execution of that plan.
 *
 * The walk (plan_id.cpp) costs some tens of instructions per plan node; a plan that is executed
 * many times (a prepared statement's generic plan, a PL/pgSQL statement's cached plan) should pay
 * it once. Two places remember a plan's shape, both keyed by the PlannedStmt's address:
 *  - The latest plan: the planner hook remembers every plan it produces (and walks it at once when
 *    planning is recorded, under the plan id). The first execution of a plan almost always follows
 *    its planning, so it walks it once here, or finds it walked; a one-shot plan (simple query
 *    protocol, a custom plan) is walked exactly once and costs nothing more. This is exact because every
 * PlannedStmt that reaches the executor was produced by the planner, through our hook: a plan at the latest
 * plan's address that is not the latest plan would have had to be planned after it, and would then be the
 * latest plan. The query id, plan tree and range table pointers are compared too, as a guard against plans
 * made without the hook chain.
 *  - The reuse cache: a plan executed again after other plans were made is a reused plan. Its
 *    shape is walked once more and kept in a direct-mapped cache, tied to the memory context that
 *    holds the plan by a reset callback: when that context is reset or deleted (the plan is freed
 *    or replaced), the callback drops the plan's slots, so a later plan at the same address can
 *    never inherit a freed plan's id. One callback per context (a registry of the contexts that
 *    carry ours), so memory stays bounded however often slots collide; a full registry means the
 *    plan is walked per execution, as before.
 * All of it is per backend; nothing here can raise an error except the callback's palloc.
 */
#include "plan_cache.hpp"

#include "guard.hpp"
#include "plan_id.hpp"

namespace pgpf
{

plan_cache_detail::Latest plan_cache_detail::latest;
plan_cache_detail::Slot plan_cache_detail::slots[plan_cache_detail::kSlots];

namespace
{

using plan_cache_detail::kSlots;
using plan_cache_detail::latest;
using plan_cache_detail::Slot;
using plan_cache_detail::slot_of;
using plan_cache_detail::slots;

constexpr int kContexts = 64;

// The contexts that carry our reset callback, and which slots hold a plan of theirs.
struct Registered
{
    MemoryContext cxt; // NULL when free
    uint64 slot_mask[kSlots / 64];
};
Registered contexts[kContexts];

// The plans of this context are gone (it is being reset or deleted).
void forget_context_body(MemoryContext cxt)
{
    for (int c = 0; c < kContexts; c++)
    {
        Registered &r = contexts[c];
        if (r.cxt != cxt)
            continue;
        for (int w = 0; w < kSlots / 64; w++)
            for (uint64 m = r.slot_mask[w]; m != 0; m &= m - 1)
            {
                Slot &s = slots[w * 64 + __builtin_ctzll(m)];
                s.stmt = nullptr;
                s.context1 = 0;
            }
        r.cxt = nullptr;
        return;
    }
}

void forget_context(void *arg)
{
    guarded("memory context callback", [&] { forget_context_body(static_cast<MemoryContext>(arg)); });
}

// The registry index of cxt, registering our callback on it when it has none; -1 when full.
int register_context(MemoryContext cxt)
{
    int free_index = -1;
    for (int c = 0; c < kContexts; c++)
    {
        if (contexts[c].cxt == cxt)
            return c;
        if (contexts[c].cxt == nullptr && free_index < 0)
            free_index = c;
    }
    if (free_index < 0)
        return -1;
    MemoryContextCallback *cb =
        static_cast<MemoryContextCallback *>(MemoryContextAlloc(cxt, sizeof(MemoryContextCallback)));
    cb->func = forget_context;
    cb->arg = cxt;
    MemoryContextRegisterResetCallback(cxt, cb);
    Registered &r = contexts[free_index];
    r.cxt = cxt;
    memset(r.slot_mask, 0, sizeof(r.slot_mask));
    return free_index;
}

PlanShape walk(const PlannedStmt *stmt)
{
    PlanShape shape;
    shape.planid = compute_plan_id(stmt, &shape.features);
    return shape;
}

} // namespace

PlanShape plan_walk_latest()
{
    if (!latest.known)
    {
        latest.shape = walk(latest.stmt);
        latest.known = true;
    }
    return latest.shape;
}

PlanShape plan_shape_reused(const PlannedStmt *stmt)
{
    const int i = slot_of(stmt);
    Slot &s = slots[i];
    if (s.stmt == stmt)
        return s.shape;

    // A plan made before the latest one, run again: a reused plan. Walked once more, then kept.
    const PlanShape shape = walk(stmt);
    const int c = register_context(GetMemoryChunkContext(const_cast<PlannedStmt *>(stmt)));
    if (c < 0)
        return shape;
    if (s.context1 > 0)
        contexts[s.context1 - 1].slot_mask[i / 64] &= ~(uint64(1) << (i % 64));
    s.stmt = stmt;
    s.context1 = c + 1;
    s.shape = shape;
    contexts[c].slot_mask[i / 64] |= uint64(1) << (i % 64);
    return shape;
}

} // namespace pgpf
