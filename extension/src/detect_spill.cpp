/*
 * detect_spill.cpp — the temp_spill anti-pattern: a statement whose sorts or hashes did not fit in
 * work_mem and wrote temporary files.
 *
 * Whether an execution spilled is known for free: capture measures its temp_blks_written anyway,
 * and only an execution that wrote temp blocks comes here (one compare on the hot path). Such an
 * execution has just paid for disk I/O, so a walk over its plan state costs nothing in comparison;
 * it finds the node that spilled and the work_mem that would have kept it in memory, from what the
 * executor keeps whether or not it is instrumented. The figures are the executor's own memory
 * accounting, measured on PostgreSQL 15 (bench/README.md: the sizes behind the advice):
 *  - Sort: the tuplesort only says how many kB it wrote. A tuple of w data bytes takes w + 10 bytes
 *    on disk but 24 (its SortTuple) + MAXALIGN(16 + w) + 24 (its memory chunk) in memory, so a sort of
 *    narrow rows needs up to 4x its disk figure, a sort of wide rows little more than it; w is the
 *    planner's average width of the sorted rows (a byval single-column "datum" sort: 12 bytes on disk,
 *    24 in memory). So this is an estimate from the planner's width.
 *  - Hash (of a hash join): the batches times the per-batch peak is the whole inner side, and the
 *    planner must also think it fits, or it plans batches from the start: ExecChooseHashTableSize() is
 *    asked, with the plan's row estimate, for the least work_mem at which it plans one batch and allows
 *    that much. Exact for both sides, bar skew between batches.
 *  - HashAggregate: its peak memory plus twice the kB it spilled (an upper bound for the aggregates
 *    measured; states bigger than their input rows may need more).
 * Hash nodes get work_mem x hash_mem_multiplier: the advice divides by it. Anything else that wrote
 * temp files (a tuplestore, a CTE) is reported without a node, with the statement's temp kB doubled.
 * When the estimate is not above the work_mem the statement spilled with, the need is more than that
 * work_mem, known for sure: the estimate becomes 2x it, so that a finding seen again after its advice
 * was applied advises more, never the same. One finding per execution, the largest node; the
 * anti-pattern table (antipatterns.cpp) keeps the largest need seen as `largest` (kB of work_mem),
 * and its advice (kinds.cpp) turns it into a SET LOCAL work_mem.
 */
#include "detect_spill.hpp"

#include "antipatterns.hpp"
#include "detect.hpp"

extern "C"
{
#include "executor/hashjoin.h"
#include "access/tupmacs.h"
#include "executor/nodeHash.h"
#include "utils/tuplesort.h"
}

namespace pgpf
{

namespace
{

struct Spill
{
    const PlanState *node; // the node that would have needed the most memory
    int64 needed_kb;       // work_mem it needs, kB
    int64 disk_kb;         // what that node wrote, when known
    const char *what;
};

void consider(Spill *s, const PlanState *ps, const char *what, int64 needed_kb, int64 disk_kb)
{
    if (needed_kb > s->needed_kb)
        *s = Spill{ps, needed_kb, disk_kb, what};
}

// The bytes of data of a row the sort gets: its fixed-width columns exactly (aligned as in a tuple),
// NULL constants (columns the query does not use, which the planner blanks out) as nothing, the
// variable-width columns as the planner's average width leaves for them.
double sort_row_bytes(SortState *sort)
{
    PlanState *child = outerPlanState(sort);
    const TupleDesc desc = ExecGetResultType(child);
    const List *tlist = child->plan->targetlist;
    double offset = 0, fixed_planned = 0;
    int varlena = 0;
    for (int i = 0; i < desc->natts; i++)
    {
        const Form_pg_attribute att = TupleDescAttr(desc, i);
        const TargetEntry *tle =
            i < list_length(tlist) ? static_cast<const TargetEntry *>(list_nth(tlist, i)) : nullptr;
        const bool null_const = tle != nullptr && IsA(tle->expr, Const) &&
                                reinterpret_cast<const Const *>(tle->expr)->constisnull;
        if (att->attlen > 0)
            fixed_planned += att->attlen;
        if (null_const)
            continue;
        if (att->attlen > 0)
            offset = att_align_nominal(int64(offset), att->attalign) + att->attlen;
        else
            varlena++;
    }
    // What the planner's width leaves for the variable-width columns, at least their one-byte headers.
    const double rest = Max(double(sort->ss.ps.plan->plan_width) - fixed_planned, double(varlena));
    return offset + (varlena > 0 ? rest : 0);
}

// The memory a sort that wrote disk_kb would have needed in memory (see the header).
int64 sort_need_kb(SortState *sort, int64 disk_kb)
{
    double disk_per_tuple, mem_per_tuple;
    PlanState *child = outerPlanState(sort);
    const TupleDesc desc = child != nullptr ? ExecGetResultType(child) : nullptr;
    if (desc == nullptr)
        return 4 * disk_kb;
    if (sort->datumSort && desc->natts == 1 && TupleDescAttr(desc, 0)->attbyval)
    {
        disk_per_tuple = sizeof(Datum) + sizeof(int);
        mem_per_tuple = 24;
    }
    else
    {
        const double t_len = MAXALIGN(SizeofMinimalTupleHeader) + sort_row_bytes(sort);
        disk_per_tuple = t_len - 6;
        mem_per_tuple = 24 + MAXALIGN(int64(t_len)) + 24;
    }
    return int64(double(disk_kb) * mem_per_tuple / disk_per_tuple) + 1;
}

// The work_mem (kB) at which the planner would plan the Hash's table in one batch and allow it
// need_kb of hash memory; -1 above 1 GB.
int64 hash_work_mem_kb(const HashState *hash, int64 need_kb)
{
    const Plan *inner = outerPlan(hash->ps.plan);
    if (inner == nullptr)
        return -1;
    const bool useskew = OidIsValid(reinterpret_cast<const Hash *>(hash->ps.plan)->skewTable);
    const int saved = work_mem;
    int64 found = -1;
    // Whole MB from the least that could do: ExecChooseHashTableSize() only computes (no error).
    for (int64 mb = Max(int64(1), int64(double(need_kb) / hash_mem_multiplier / 1024));
         mb <= 1024 && found < 0; mb++)
    {
        work_mem = int(mb * 1024);
        size_t space_allowed;
        int nbuckets, nbatch, nskew;
        ExecChooseHashTableSize(inner->plan_rows, inner->plan_width, useskew, false, 0, &space_allowed,
                                &nbuckets, &nbatch, &nskew);
        if (nbatch == 1 && int64(space_allowed / 1024) >= need_kb)
            found = mb * 1024;
    }
    work_mem = saved;
    return found;
}

bool find_spills(PlanState *ps, void *arg)
{
    if (ps == nullptr)
        return false;
    Spill *s = static_cast<Spill *>(arg);
    if (IsA(ps, SortState))
    {
        SortState *sort = reinterpret_cast<SortState *>(ps);
        if (sort->sort_Done && sort->tuplesortstate != nullptr)
        {
            TuplesortInstrumentation stats;
            tuplesort_get_stats(static_cast<Tuplesortstate *>(sort->tuplesortstate), &stats);
            if (stats.spaceType == SORT_SPACE_TYPE_DISK)
                consider(s, ps, "Sort", sort_need_kb(sort, stats.spaceUsed), stats.spaceUsed);
        }
    }
    else if (IsA(ps, HashState))
    {
        const HashState *hash = reinterpret_cast<const HashState *>(ps);
        int nbatch = 0;
        Size peak = 0;
        if (hash->hinstrument != nullptr)
        {
            nbatch = hash->hinstrument->nbatch;
            peak = hash->hinstrument->space_peak;
        }
        else if (hash->hashtable != nullptr)
        {
            nbatch = hash->hashtable->nbatch;
            peak = hash->hashtable->spacePeak;
        }
        if (nbatch > 1)
        {
            // The inner side in memory, and what the planner must think of it to plan one batch.
            const int64 need_kb = int64(peak / 1024 + 1) * nbatch;
            const int64 by_planner = hash_work_mem_kb(hash, need_kb);
            consider(s, ps, "Hash",
                     by_planner > 0 ? by_planner : int64(double(need_kb) / hash_mem_multiplier) + 1, -1);
        }
    }
    else if (IsA(ps, AggState))
    {
        const AggState *agg = reinterpret_cast<const AggState *>(ps);
        if (agg->hash_disk_used > 0)
            consider(
                s, ps, "HashAggregate",
                int64(double(agg->hash_mem_peak / 1024 + 2 * agg->hash_disk_used) / hash_mem_multiplier) + 1,
                int64(agg->hash_disk_used));
    }
    return planstate_tree_walker(ps, PGPF_PLANSTATE_WALKER(find_spills), arg);
}

// "relation(column, ...)" of a sort's keys where they are plain columns of a scanned relation,
// followed down through the nodes below; NULL otherwise.
const char *sort_columns(const QueryDesc *qd, const PlanState *ps)
{
    const Sort *sort = reinterpret_cast<const Sort *>(ps->plan);
    Oid relid = InvalidOid;
    StringInfoData cols;
    initStringInfo(&cols);
    for (int k = 0; k < sort->numCols; k++)
    {
        const Plan *plan = ps->plan;
        AttrNumber resno = sort->sortColIdx[k];
        const Var *var = nullptr;
        for (int depth = 0; plan != nullptr && depth < 16; depth++)
        {
            const TargetEntry *tle = get_tle_by_resno(plan->targetlist, resno);
            if (tle == nullptr || !IsA(tle->expr, Var))
                break;
            var = reinterpret_cast<const Var *>(tle->expr);
            if (var->varno == OUTER_VAR)
                plan = plan->lefttree;
            else if (var->varno == INNER_VAR)
                plan = plan->righttree;
            else
                break;
            resno = var->varattno;
            var = nullptr;
        }
        if (var == nullptr || IS_SPECIAL_VARNO(var->varno) || var->varattno <= 0 ||
            var->varno > list_length(qd->estate->es_range_table))
            return nullptr;
        const RangeTblEntry *rte = rt_fetch(var->varno, qd->estate->es_range_table);
        if (rte->rtekind != RTE_RELATION || (relid != InvalidOid && rte->relid != relid))
            return nullptr;
        relid = rte->relid;
        const char *col = get_attname(relid, var->varattno, true);
        appendStringInfo(&cols, "%s%s", k > 0 ? ", " : "", col ? col : "?");
    }
    const char *rel = get_rel_name(relid);
    return sort->numCols > 0 && rel != nullptr ? psprintf("%s(%s)", rel, cols.data) : nullptr;
}

// The relation a Hash node reads when its input is a plain scan of one; NULL otherwise.
const char *hashed_relation(const QueryDesc *qd, const PlanState *ps)
{
    const Plan *child = ps->plan->lefttree;
    if (child == nullptr || !(IsA(child, SeqScan) || IsA(child, IndexScan) || IsA(child, IndexOnlyScan) ||
                              IsA(child, BitmapHeapScan)))
        return nullptr;
    const Index rti = reinterpret_cast<const Scan *>(child)->scanrelid;
    if (rti == 0 || rti > Index(list_length(qd->estate->es_range_table)))
        return nullptr;
    const RangeTblEntry *rte = rt_fetch(rti, qd->estate->es_range_table);
    return rte->rtekind == RTE_RELATION ? get_rel_name(rte->relid) : nullptr;
}

} // namespace

void spill_check(QueryDesc *queryDesc, uint64 queryid, int64 temp_blks_written, double ms)
{
    if (!detect_enabled() || queryDesc->planstate == nullptr)
        return;
    const int64 temp_kb = temp_blks_written * (BLCKSZ / 1024);
    Spill s{nullptr, 0, -1, nullptr};
    find_spills(queryDesc->planstate, &s);
    // It spilled with this work_mem, so it needs more: never advise that again (see the header).
    int64 needed_kb = s.node != nullptr ? s.needed_kb : 2 * temp_kb;
    if (needed_kb <= work_mem)
        needed_kb = int64(work_mem) * 2;
    char detail[128];
    const char *columns = nullptr;
    ApNode node = ApNode::None;
    if (s.node == nullptr)
        snprintf(detail, sizeof(detail), "temporary files: " INT64_FORMAT " kB with work_mem %d kB", temp_kb,
                 work_mem);
    else
    {
        // Names come from the catalogs, which an executor ending outside a transaction (a cursor
        // closed at commit) must not read.
        const bool sort = IsA(s.node, SortState);
        node = sort ? ApNode::Sort : IsA(s.node, HashState) ? ApNode::Hash : ApNode::HashAggregate;
        const char *on = !IsTransactionState()    ? nullptr
                         : sort                   ? sort_columns(queryDesc, s.node)
                         : IsA(s.node, HashState) ? hashed_relation(queryDesc, s.node)
                                                  : nullptr;
        snprintf(detail, sizeof(detail), "%s%s%s: " INT64_FORMAT " kB on disk with work_mem %d kB", s.what,
                 on == nullptr ? ""
                 : sort        ? " on "
                               : " of ",
                 on ? on : "", s.disk_kb >= 0 ? s.disk_kb : temp_kb, work_mem);
        if (sort)
            columns = on;
    }
    ApKey key;
    memset(&key, 0, sizeof(key));
    key.kind = uint8(ApKind::TempSpill);
    key.userid = GetUserId();
    key.dbid = MyDatabaseId;
    key.queryid = queryid;
    ap_record(key, ApSample{true, 1, ms, needed_kb, -1, 0, detail, nullptr, columns, node});
}

} // namespace pgpf
