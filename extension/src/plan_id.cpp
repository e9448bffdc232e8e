/*
 * plan_id.cpp — the plan id: a 64-bit fingerprint of a plan tree's shape.
 *
 * A walk over the plan nodes mixes what makes two plans different to a person reading EXPLAIN:
 * node types, the relations and indexes used (by oid), join types, scan directions, aggregate and
 * set-operation strategies, sort and grouping widths, parallel awareness, init plans and subplans.
 * It ignores costs, row estimates, plan node ids and every constant, so the same query with other
 * constants and the same shape gets the same id. 0 is never returned (it marks utility
 * statements). On the way it notes what the anti-pattern detectors may want to look at (an
 * OFFSET, a filtered sequential scan).
 *
 * This runs for every execution, so it is one loop over an explicit stack of pending subtrees,
 * with the hash in a register: per node a header word (type, parallel awareness, which children it
 * has, how many init plans, a small per-type choice) and, where the type has one, a detail word
 * (relation and index, strategy and widths). The order is a depth-first one fixed by the tree, and
 * every header says how many children follow, so two different shapes never give one sequence.
 */
#include "core/fingerprint.hpp"
#include "pg_perfgate.hpp"

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

// A scan's relation and index, in one word.
inline uint64 rel_index(Index scanrelid, Oid indexid, const List *rtable)
{
    return relation_oid(scanrelid, rtable) | (uint64(indexid) << 32);
}

struct Walker
{
    static constexpr int kStack = 64;

    Fingerprint f;
    const List *rtable;
    uint32 features = 0;
    const Plan *stack[kStack];
    int sp = 0;

    explicit Walker(const List *rt) : rtable(rt) {}

    void run(const Plan *root);

    // Children kept in a list (Append and friends) are pushed so that they come out in order.
    void push_list(const List *plans)
    {
        f.mix(uint64(list_length(plans)));
        for (int i = list_length(plans) - 1; i >= 0; i--)
            push(static_cast<const Plan *>(list_nth(plans, i)));
    }
    void push(const Plan *p)
    {
        if (p == nullptr)
        {
            f.mix(0); // a subplan removed by the planner
            return;
        }
        if (sp == kStack)
        {
            // Very bushy: walk this subtree now, with a stack of its own.
            Walker sub(rtable);
            sub.f = f;
            sub.run(p);
            f = sub.f;
            features |= sub.features;
            return;
        }
        stack[sp++] = p;
    }

    void node(const Plan *plan);
};

void Walker::node(const Plan *plan)
{
    uint64 header = (uint64(nodeTag(plan)) << 8) | (plan->parallel_aware ? 1 : 0) | (plan->lefttree ? 2 : 0) |
                    (plan->righttree ? 4 : 0);
    if (plan->initPlan != NIL)
        header |= uint64(Min(list_length(plan->initPlan), 255)) << 48;
    uint64 detail = 0;
    bool has_detail = true;
    switch (nodeTag(plan))
    {
    case T_SeqScan:
        if (plan->qual != NIL)
            features |= PLAN_HAS_SEQSCAN;
        detail = relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable);
        break;
    case T_SampleScan:
    case T_TidScan:
    case T_TidRangeScan:
    case T_BitmapHeapScan:
    case T_ForeignScan:
        detail = relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable);
        break;
    case T_IndexScan:
    {
        const IndexScan *s = reinterpret_cast<const IndexScan *>(plan);
        header |= uint64(s->indexorderdir + 2) << 40;
        detail = rel_index(s->scan.scanrelid, s->indexid, rtable);
        break;
    }
    case T_IndexOnlyScan:
    {
        const IndexOnlyScan *s = reinterpret_cast<const IndexOnlyScan *>(plan);
        header |= uint64(s->indexorderdir + 2) << 40;
        detail = rel_index(s->scan.scanrelid, s->indexid, rtable);
        break;
    }
    case T_BitmapIndexScan:
        detail = uint64(reinterpret_cast<const BitmapIndexScan *>(plan)->indexid) << 32;
        break;
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
        const ModifyTable *m = reinterpret_cast<const ModifyTable *>(plan);
        f.mix(header | (uint64(m->operation) << 40));
        f.mix(uint64(list_length(m->resultRelations)));
        ListCell *lc;
        foreach (lc, m->resultRelations)
            f.mix(relation_oid(Index(lfirst_int(lc)), rtable));
        return;
    }
    case T_CteScan:
        detail = uint64(uint32(reinterpret_cast<const CteScan *>(plan)->ctePlanId));
        break;
    case T_Append:
        f.mix(header);
        push_list(reinterpret_cast<const Append *>(plan)->appendplans);
        return;
    case T_MergeAppend:
        f.mix(header);
        push_list(reinterpret_cast<const MergeAppend *>(plan)->mergeplans);
        return;
    case T_BitmapAnd:
        f.mix(header);
        push_list(reinterpret_cast<const BitmapAnd *>(plan)->bitmapplans);
        return;
    case T_BitmapOr:
        f.mix(header);
        push_list(reinterpret_cast<const BitmapOr *>(plan)->bitmapplans);
        return;
    case T_SubqueryScan:
        f.mix(header);
        push(reinterpret_cast<const SubqueryScan *>(plan)->subplan);
        return;
    case T_CustomScan:
        f.mix(header);
        f.mix(relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable));
        push_list(reinterpret_cast<const CustomScan *>(plan)->custom_plans);
        return;
    default:
        has_detail = false; // the node type alone describes it (Result, Hash, Material, Gather, ...)
        break;
    }
    f.mix(header);
    if (has_detail)
        f.mix(detail);
}

void Walker::run(const Plan *root)
{
    check_stack_depth(); // only a very bushy tree recurses (push)
    const int base = sp;
    push(root);
    while (sp > base)
    {
        // Down the left spine; right subtrees and listed children wait on the stack, and come
        // out last pushed first.
        for (const Plan *plan = stack[--sp]; plan != nullptr; plan = plan->lefttree)
        {
            node(plan);
            if (plan->righttree != nullptr)
                push(plan->righttree);
        }
    }
}

} // namespace

uint64 compute_plan_id(const PlannedStmt *stmt, uint32 *features)
{
    Walker w(stmt->rtable);
    w.f.mix(uint64(stmt->commandType));
    if (stmt->planTree != nullptr)
        w.run(stmt->planTree);
    if (stmt->subplans != NIL)
    {
        w.f.mix(uint64(list_length(stmt->subplans)));
        ListCell *lc;
        foreach (lc, stmt->subplans)
        {
            const Plan *p = static_cast<const Plan *>(lfirst(lc));
            if (p != nullptr)
                w.run(p);
            else
                w.f.mix(0);
        }
    }
    if (features != nullptr)
        *features = w.features;
    const uint64 id = w.f.finish();
    return id != 0 ? id : 1;
}

} // namespace pgpf
