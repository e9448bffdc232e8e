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

void walk(Fingerprint &f, const Plan *plan, const List *rtable, uint32 &features)
{
    check_stack_depth();
    // One mix for the node's header: its type, parallel awareness, and which children it has, so
    // that the walk below need not mix anything for a missing child.
    f.mix((uint64(nodeTag(plan)) << 8) | (plan->parallel_aware ? 1 : 0) | (plan->lefttree ? 2 : 0) |
          (plan->righttree ? 4 : 0));
    if (plan->initPlan != NIL)
        f.mix(0x1000 + uint64(list_length(plan->initPlan)));

    switch (nodeTag(plan))
    {
    case T_SeqScan:
        if (plan->qual != NIL)
            features |= PLAN_HAS_SEQSCAN;
        f.mix(relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable));
        break;
    case T_SampleScan:
    case T_TidScan:
    case T_TidRangeScan:
    case T_BitmapHeapScan:
    case T_ForeignScan:
        f.mix(relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable));
        break;
    case T_IndexScan:
    {
        const IndexScan *s = reinterpret_cast<const IndexScan *>(plan);
        f.mix(relation_oid(s->scan.scanrelid, rtable));
        f.mix(s->indexid);
        f.mix(uint64(s->indexorderdir + 2));
        break;
    }
    case T_IndexOnlyScan:
    {
        const IndexOnlyScan *s = reinterpret_cast<const IndexOnlyScan *>(plan);
        f.mix(relation_oid(s->scan.scanrelid, rtable));
        f.mix(s->indexid);
        f.mix(uint64(s->indexorderdir + 2));
        break;
    }
    case T_BitmapIndexScan:
        f.mix(reinterpret_cast<const BitmapIndexScan *>(plan)->indexid);
        break;
    case T_NestLoop:
    case T_MergeJoin:
    case T_HashJoin:
        f.mix(uint64(reinterpret_cast<const Join *>(plan)->jointype));
        break;
    case T_Agg:
    {
        const Agg *a = reinterpret_cast<const Agg *>(plan);
        f.mix((uint64(a->aggstrategy) << 16) | (uint64(a->aggsplit) << 8));
        f.mix(uint64(a->numCols));
        break;
    }
    case T_SetOp:
    {
        const SetOp *s = reinterpret_cast<const SetOp *>(plan);
        f.mix((uint64(s->strategy) << 8) | uint64(s->cmd));
        break;
    }
    case T_Sort:
        f.mix(uint64(reinterpret_cast<const Sort *>(plan)->numCols));
        break;
    case T_IncrementalSort:
    {
        const IncrementalSort *s = reinterpret_cast<const IncrementalSort *>(plan);
        f.mix(uint64(s->sort.numCols));
        f.mix(uint64(s->nPresortedCols));
        break;
    }
    case T_Group:
        f.mix(uint64(reinterpret_cast<const Group *>(plan)->numCols));
        break;
    case T_Limit:
    {
        const Limit *l = reinterpret_cast<const Limit *>(plan);
        f.mix(uint64(l->limitOption));
        if (l->limitOffset != nullptr)
            features |= PLAN_HAS_OFFSET;
        break;
    }
    case T_ModifyTable:
    {
        const ModifyTable *m = reinterpret_cast<const ModifyTable *>(plan);
        f.mix(uint64(m->operation));
        ListCell *lc;
        foreach (lc, m->resultRelations)
            f.mix(relation_oid(Index(lfirst_int(lc)), rtable));
        break;
    }
    case T_CteScan:
        f.mix(uint64(reinterpret_cast<const CteScan *>(plan)->ctePlanId));
        break;
    case T_Append:
        walk_list(f, reinterpret_cast<const Append *>(plan)->appendplans, rtable, features);
        break;
    case T_MergeAppend:
        walk_list(f, reinterpret_cast<const MergeAppend *>(plan)->mergeplans, rtable, features);
        break;
    case T_BitmapAnd:
        walk_list(f, reinterpret_cast<const BitmapAnd *>(plan)->bitmapplans, rtable, features);
        break;
    case T_BitmapOr:
        walk_list(f, reinterpret_cast<const BitmapOr *>(plan)->bitmapplans, rtable, features);
        break;
    case T_SubqueryScan:
        if (const Plan *sub = reinterpret_cast<const SubqueryScan *>(plan)->subplan)
            walk(f, sub, rtable, features);
        break;
    case T_CustomScan:
        f.mix(relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable));
        walk_list(f, reinterpret_cast<const CustomScan *>(plan)->custom_plans, rtable, features);
        break;
    default:
        break; // the node type alone describes it (Result, Hash, Material, Gather, Unique, ...)
    }
    if (plan->lefttree)
        walk(f, plan->lefttree, rtable, features);
    if (plan->righttree)
        walk(f, plan->righttree, rtable, features);
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
