/*
 * plan_id.cpp — the plan id: a 64-bit fingerprint of a plan tree's shape.
 *
 * A walk over the plan nodes mixes what makes two plans different to a person reading EXPLAIN:
 * node types, the relations and indexes used (by oid), join types, scan directions, aggregate and
 * set-operation strategies, sort and grouping widths, parallel awareness, init plans and subplans.
 * It ignores costs, row estimates, plan node ids and every constant, so the same query with other
 * constants and the same shape gets the same id. The walk touches each node once and allocates
 * nothing; 0 is never returned (it marks utility statements). On the way it notes what the
 * anti-pattern detectors may want to look at (an OFFSET, a filtered sequential scan).
 */
#include "core/fingerprint.hpp"
#include "pg_perfgate.hpp"

namespace pgpf
{

namespace
{

using pgperfgate::Fingerprint;

uint64 relation_oid(Index scanrelid, const List *rtable)
{
    if (scanrelid == 0 || scanrelid > Index(list_length(rtable)))
        return 0;
    const RangeTblEntry *rte = rt_fetch(scanrelid, rtable);
    return rte->rtekind == RTE_RELATION ? rte->relid : 0;
}

void walk(Fingerprint &f, const Plan *plan, const List *rtable, uint32 &features);

void walk_list(Fingerprint &f, const List *plans, const List *rtable, uint32 &features)
{
    f.mix(uint64(list_length(plans)));
    ListCell *lc;
    foreach (lc, plans)
    {
        // A subplan removed by the planner is NULL in stmt->subplans.
        const Plan *p = static_cast<const Plan *>(lfirst(lc));
        if (p != nullptr)
            walk(f, p, rtable, features);
        else
            f.mix(0);
    }
}

// A scan's relation and index, in one word.
inline uint64 rel_index(Index scanrelid, Oid indexid, const List *rtable)
{
    return relation_oid(scanrelid, rtable) | (uint64(indexid) << 32);
}

// Mixes one node: a header word (type, parallel awareness, which children it has, how many init
// plans, a small per-type choice) and, where the type has one, a detail word (relation and index,
// strategy and widths). Lists of children are walked here; lefttree and righttree by the caller.
void mix_node(Fingerprint &f, const Plan *plan, const List *rtable, uint32 &features)
{
    uint64 header = (uint64(nodeTag(plan)) << 8) | (plan->parallel_aware ? 1 : 0) | (plan->lefttree ? 2 : 0) |
                    (plan->righttree ? 4 : 0) | (uint64(Min(list_length(plan->initPlan), 255)) << 48);
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
        header |= uint64(m->operation) << 40;
        f.mix(header);
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
        walk_list(f, reinterpret_cast<const Append *>(plan)->appendplans, rtable, features);
        return;
    case T_MergeAppend:
        f.mix(header);
        walk_list(f, reinterpret_cast<const MergeAppend *>(plan)->mergeplans, rtable, features);
        return;
    case T_BitmapAnd:
        f.mix(header);
        walk_list(f, reinterpret_cast<const BitmapAnd *>(plan)->bitmapplans, rtable, features);
        return;
    case T_BitmapOr:
        f.mix(header);
        walk_list(f, reinterpret_cast<const BitmapOr *>(plan)->bitmapplans, rtable, features);
        return;
    case T_SubqueryScan:
        f.mix(header);
        if (const Plan *sub = reinterpret_cast<const SubqueryScan *>(plan)->subplan)
            walk(f, sub, rtable, features);
        else
            f.mix(0);
        return;
    case T_CustomScan:
        f.mix(header);
        f.mix(relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable));
        walk_list(f, reinterpret_cast<const CustomScan *>(plan)->custom_plans, rtable, features);
        return;
    default:
        has_detail = false; // the node type alone describes it (Result, Hash, Material, Gather, ...)
        break;
    }
    f.mix(header);
    if (has_detail)
        f.mix(detail);
}

// Pre-order over the tree. The left spine is followed in a loop and only right children recurse,
// so the recursion (and its stack check) is as deep as the plan is bushy, not as deep as it is long.
void walk(Fingerprint &f, const Plan *plan, const List *rtable, uint32 &features)
{
    check_stack_depth();
    for (; plan != nullptr; plan = plan->lefttree)
    {
        mix_node(f, plan, rtable, features);
        if (plan->righttree != nullptr)
        {
            // The header says which children exist; the right subtree's mixes come first.
            walk(f, plan->righttree, rtable, features);
        }
    }
}

} // namespace

uint64 compute_plan_id(const PlannedStmt *stmt, uint32 *features)
{
    Fingerprint f;
    uint32 found = 0;
    f.mix(uint64(stmt->commandType));
    if (stmt->planTree != nullptr)
        walk(f, stmt->planTree, stmt->rtable, found);
    if (stmt->subplans != NIL)
        walk_list(f, stmt->subplans, stmt->rtable, found);
    if (features != nullptr)
        *features = found;
    const uint64 id = f.finish();
    return id != 0 ? id : 1;
}

} // namespace pgpf
