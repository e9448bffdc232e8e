/*
 * plan_id.cpp — the plan id: a 64-bit fingerprint of a plan tree's shape.
 *
 * A walk over the plan nodes mixes what makes two plans different to a person reading EXPLAIN:
 * node types, the relations and indexes used (by oid; an index scan by its index's alone, which
 * belongs to exactly one relation), join types, scan directions, aggregate and
 * set-operation strategies, sort and grouping widths, parallel awareness, init plans and subplans.
 * It ignores costs, row estimates, plan node ids and every constant, so the same query with other
 * constants and the same shape gets the same id. 0 is never returned (it marks utility
 * statements). On the way it notes what the anti-pattern detectors may want to look at (an
 * OFFSET, a filtered sequential scan).
 *
 * This runs for every execution, so it is one loop over an explicit stack of pending subtrees,
 * with the hash in a register: per node one mixed word, a header (type, parallel awareness, which
 * children it has, how many init plans, a small per-type choice) with, where the type has one, a
 * detail word (relation and index, strategy and widths) folded in. The order is a depth-first one fixed by
 * the tree, and every header says how many children follow, so two different shapes never give one sequence.
 */
#include "core/fingerprint.hpp"
#include "plan_id.hpp"

namespace pgpf
{

namespace
{

using pgperfgate::Fingerprint;

inline uint64 relation_oid(Index scanrelid, const List *rtable)
{
    if (scanrelid == 0 || scanrelid > Index(list_length(rtable)))
        return 0;
    const RangeTblEntry *rte = rt_fetch(scanrelid, rtable);
    return rte->rtekind == RTE_RELATION ? rte->relid : 0;
}

// What a scan's condition list tells the N+1 detector: that there is one, and whether it compares
// with a list of values (`= ANY`, `IN (...)`: how ORMs batch). Only the top-level conditions are
// looked at; an OR of conditions is not a list (in PostgreSQL 15 it is rarely how a batch looks).
inline uint32 qual_features(const List *quals)
{
    if (quals == NIL)
        return 0;
    uint32 f = PLAN_HAS_SCAN_QUAL;
    const ListCell *cells = quals->elements;
    for (int i = 0, n = quals->length; i < n; i++)
        if (IsA(static_cast<const Node *>(lfirst(&cells[i])), ScalarArrayOpExpr))
            f |= PLAN_HAS_VALUE_LIST;
    return f;
}

constexpr int kStack = 64;

struct Pending
{
    const Plan *stack[kStack];
    int sp = 0;
    // Pushes p, or returns false when the stack is full (the caller walks it at once).
    bool push(const Plan *p)
    {
        if (sp == kStack)
            return false;
        stack[sp++] = p;
        return true;
    }
};

// The running hash and the PLAN_HAS_* bits a walk found, returned by value so that the walk keeps
// both in registers.
struct Walked
{
    uint64 h;
    uint32 features;
};

Walked walk(uint64 h, const Plan *root, const List *rtable);

// Walks a subtree now, when the stack has no room for it: only very bushy plans get here, and
// only here does the walk recurse.
pg_noinline Walked walk_now(uint64 h, const Plan *p, const List *rtable)
{
    check_stack_depth();
    return walk(h, p, rtable);
}

// ... and folds what it found into the caller's walk (whose features never leave a register).
inline uint64 walk_into(uint64 h, const Plan *p, const List *rtable, uint32 &features)
{
    const Walked w = walk_now(h, p, rtable);
    features |= w.features;
    return w.h;
}

// A listed child: pushed, or walked at once; a NULL (a subplan the planner removed) is a zero.
inline uint64 child(uint64 h, const Plan *p, Pending &pending, const List *rtable, uint32 &features)
{
    if (p == nullptr)
    {
        Fingerprint f(h);
        f.mix(0);
        return f.state();
    }
    if (!pending.push(p))
        return walk_into(h, p, rtable, features);
    return h;
}

// Children kept in a list (Append and friends) are pushed so that they come out in order.
inline uint64 push_list(uint64 h, const List *plans, Pending &pending, const List *rtable, uint32 &features)
{
    for (int i = list_length(plans) - 1; i >= 0; i--)
        h = child(h, static_cast<const Plan *>(list_nth(plans, i)), pending, rtable, features);
    return h;
}

// Mixes one node's words into h and pushes the children it keeps in lists (Append and friends,
// a subquery's plan) so that they come out in order. lefttree and righttree are the caller's.
inline void node(uint64 &h, const Plan *plan, Pending &pending, const List *rtable, uint32 &features)
{
    uint64 header = (uint64(nodeTag(plan)) << 8) | uint64(plan->parallel_aware) |
                    (uint64(plan->lefttree != nullptr) << 1) | (uint64(plan->righttree != nullptr) << 2);
    if (plan->initPlan != NIL)
        header |= uint64(Min(list_length(plan->initPlan), 255)) << 48;
    uint64 detail = 0;
    bool has_detail = true;
    const List *children = NIL; // listed children, pushed after the words are mixed
    const Plan *sub = nullptr;  // a subquery's plan, likewise
    switch (nodeTag(plan))
    {
    case T_SeqScan:
        if (plan->qual != NIL)
            features |= PLAN_HAS_SEQSCAN | qual_features(plan->qual);
        detail = relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable);
        break;
    case T_BitmapHeapScan:
        features |= qual_features(plan->qual);
        detail = relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable);
        break;
    case T_SampleScan:
    case T_TidScan:
    case T_TidRangeScan:
    case T_ForeignScan:
        detail = relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable);
        break;
    case T_IndexScan:
    {
        const IndexScan *s = reinterpret_cast<const IndexScan *>(plan);
        header |= uint64(s->indexorderdir + 2) << 40;
        detail = uint64(s->indexid) << 32; // an index belongs to one relation: it names both
        features |= qual_features(s->indexqualorig) | qual_features(plan->qual);
        break;
    }
    case T_IndexOnlyScan:
    {
        const IndexOnlyScan *s = reinterpret_cast<const IndexOnlyScan *>(plan);
        header |= uint64(s->indexorderdir + 2) << 40;
        detail = uint64(s->indexid) << 32;
        features |= qual_features(s->indexqual) | qual_features(plan->qual);
        break;
    }
    case T_BitmapIndexScan:
    {
        const BitmapIndexScan *s = reinterpret_cast<const BitmapIndexScan *>(plan);
        detail = uint64(s->indexid) << 32;
        features |= qual_features(s->indexqualorig);
        break;
    }
    case T_NestLoop:
    case T_MergeJoin:
    case T_HashJoin:
        header |= uint64(reinterpret_cast<const Join *>(plan)->jointype) << 40;
        has_detail = false;
        break;
    case T_Agg:
    {
        const Agg *a = reinterpret_cast<const Agg *>(plan);
        detail = (uint64(a->aggstrategy) << 40) | (uint64(a->aggsplit) << 32) | uint64(uint32(a->numCols));
        break;
    }
    case T_SetOp:
    {
        const SetOp *s = reinterpret_cast<const SetOp *>(plan);
        detail = (uint64(s->strategy) << 32) | uint64(s->cmd);
        break;
    }
    case T_Sort:
        detail = uint64(uint32(reinterpret_cast<const Sort *>(plan)->numCols));
        break;
    case T_IncrementalSort:
    {
        const IncrementalSort *s = reinterpret_cast<const IncrementalSort *>(plan);
        detail = (uint64(uint32(s->nPresortedCols)) << 32) | uint64(uint32(s->sort.numCols));
        break;
    }
    case T_Group:
        detail = uint64(uint32(reinterpret_cast<const Group *>(plan)->numCols));
        break;
    case T_Limit:
    {
        const Limit *l = reinterpret_cast<const Limit *>(plan);
        header |= uint64(l->limitOption) << 40;
        if (l->limitOffset != nullptr)
            features |= PLAN_HAS_OFFSET;
        has_detail = false;
        break;
    }
    case T_ModifyTable:
    {
        // The target relations, folded into the detail word.
        const ModifyTable *m = reinterpret_cast<const ModifyTable *>(plan);
        header |= uint64(m->operation) << 40;
        Fingerprint targets;
        ListCell *lc;
        foreach (lc, m->resultRelations)
            targets.mix(relation_oid(Index(lfirst_int(lc)), rtable));
        detail = targets.state(); // mixed again with the header: no final avalanche needed
        break;
    }
    case T_CteScan:
        detail = uint64(uint32(reinterpret_cast<const CteScan *>(plan)->ctePlanId));
        break;
    case T_Append:
        children = reinterpret_cast<const Append *>(plan)->appendplans;
        break;
    case T_MergeAppend:
        children = reinterpret_cast<const MergeAppend *>(plan)->mergeplans;
        break;
    case T_BitmapAnd:
        children = reinterpret_cast<const BitmapAnd *>(plan)->bitmapplans;
        break;
    case T_BitmapOr:
        children = reinterpret_cast<const BitmapOr *>(plan)->bitmapplans;
        break;
    case T_SubqueryScan:
        sub = reinterpret_cast<const SubqueryScan *>(plan)->subplan;
        detail = sub != nullptr;
        break;
    case T_CustomScan:
    {
        const CustomScan *c = reinterpret_cast<const CustomScan *>(plan);
        children = c->custom_plans;
        detail = relation_oid(c->scan.scanrelid, rtable);
        break;
    }
    default:
        has_detail = false; // the node type alone describes it (Result, Hash, Material, Gather, ...)
        break;
    }
    if (children != NIL)
        detail ^= uint64(list_length(children)) << 32;
    // One mix per node: the header spread by an odd multiplier, the detail word folded in. Nodes
    // that differ in either word give different inputs unless header * K ^ detail happens to agree,
    // which for these small structured words is as unlikely as any 64-bit collision.
    Fingerprint f(h);
    f.mix(has_detail ? (header * 0xD6E8FEB86659FD93ULL) ^ detail : header);
    h = f.state();
    if (children != NIL)
        h = push_list(h, children, pending, rtable, features);
    else if (sub != nullptr)
        h = child(h, sub, pending, rtable, features);
}

// Depth first: down the left spine in a loop, right subtrees and listed children waiting on the
// stack (last pushed first). The hash is a local, so it stays in a register. A plan that is one left
// spine (most are: a scan under a few nodes) never touches the stack.
Walked walk(uint64 h, const Plan *root, const List *rtable)
{
    uint32 features = 0;
    Pending pending;
    const Plan *plan = root;
    for (;;)
    {
        for (; plan != nullptr; plan = plan->lefttree)
        {
            node(h, plan, pending, rtable, features);
            if (plan->righttree != nullptr && !pending.push(plan->righttree))
                h = walk_into(h, plan->righttree, rtable, features);
        }
        if (pending.sp == 0)
            return Walked{h, features};
        plan = pending.stack[--pending.sp];
    }
}

} // namespace

uint64 compute_plan_id(const PlannedStmt *stmt, uint32 *features)
{
    const List *rtable = stmt->rtable;
    uint32 found = 0;
    Fingerprint f;
    f.mix(uint64(stmt->commandType));
    uint64 h = f.state();
    if (stmt->planTree != nullptr)
    {
        const Walked w = walk(h, stmt->planTree, rtable);
        h = w.h;
        found |= w.features;
    }
    if (stmt->subplans != NIL)
    {
        Fingerprint g(h);
        g.mix(uint64(list_length(stmt->subplans)));
        h = g.state();
        ListCell *lc;
        foreach (lc, stmt->subplans)
        {
            const Plan *p = static_cast<const Plan *>(lfirst(lc));
            if (p != nullptr)
            {
                const Walked w = walk(h, p, rtable);
                h = w.h;
                found |= w.features;
            }
            else
            {
                Fingerprint z(h);
                z.mix(0);
                h = z.state();
            }
        }
    }
    if (features != nullptr)
        *features = found;
    const uint64 id = Fingerprint::avalanche(h);
    return id != 0 ? id : 1;
}

} // namespace pgpf
