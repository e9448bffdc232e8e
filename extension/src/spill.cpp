/*
 * spill.cpp — the temp_spill anti-pattern: a statement whose sorts or hashes did not fit in
 * work_mem and wrote temporary files.
 *
 * Whether an execution spilled is known for free: capture measures its temp_blks_written anyway,
 * and only an execution that wrote temp blocks comes here (one compare on the hot path). Such an
 * execution has just paid for disk I/O, so a walk over its plan state costs nothing in comparison;
 * it finds the node that spilled and the memory it would have needed, from what the executor keeps
 * whether or not it is instrumented:
 *  - Sort: the tuplesort's statistics (external sort, kB on disk). In memory the same tuples take
 *    about twice their size on disk (tuple headers, the sort array), so that is the estimate.
 *  - Hash (of a hash join): the hash table's batches and per-batch peak, or the instrumentation's
 *    copy of them on an execution sampled for the scan detector (detect.cpp); the whole inner side needs
 *    about batches x peak.
 *  - HashAggregate: its peak memory and the kB it spilled.
 * Anything else that wrote temp files (a tuplestore, a CTE) is reported without a node, with the
 * statement's temp kB doubled as the estimate. One finding per execution, the largest node; the
 * anti-pattern table (antipatterns.cpp) keeps the largest estimate seen as `largest` (kB), and the
 * view turns it into a SET LOCAL work_mem (views.cpp).
 */
#include "spill.hpp"

#include "antipatterns.hpp"
#include "detect.hpp"

extern "C"
{
#include "executor/hashjoin.h"
#include "utils/tuplesort.h"
}

namespace pgpf
{

namespace
{

struct Spill
{
    const PlanState *node; // the node that would have needed the most memory
    int64 needed_kb;
    int64 disk_kb; // what that node wrote, when known
    const char *what;
};

void consider(Spill *s, const PlanState *ps, const char *what, int64 needed_kb, int64 disk_kb)
{
    if (needed_kb > s->needed_kb)
        *s = Spill{ps, needed_kb, disk_kb, what};
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
                consider(s, ps, "Sort", 2 * stats.spaceUsed, stats.spaceUsed);
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
            consider(s, ps, "Hash", int64(peak / 1024) * nbatch, -1);
    }
    else if (IsA(ps, AggState))
    {
        const AggState *agg = reinterpret_cast<const AggState *>(ps);
        if (agg->hash_disk_used > 0)
            consider(s, ps, "HashAggregate",
                     int64(agg->hash_mem_peak / 1024) + 2 * int64(agg->hash_disk_used),
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
    char detail[128];
    if (s.node == nullptr)
        snprintf(detail, sizeof(detail), "temporary files: " INT64_FORMAT " kB", temp_kb);
    else
    {
        // Names come from the catalogs, which an executor ending outside a transaction (a cursor
        // closed at commit) must not read.
        const bool sort = IsA(s.node, SortState);
        const char *on = !IsTransactionState()    ? nullptr
                         : sort                   ? sort_columns(queryDesc, s.node)
                         : IsA(s.node, HashState) ? hashed_relation(queryDesc, s.node)
                                                  : nullptr;
        snprintf(detail, sizeof(detail), "%s%s%s: " INT64_FORMAT " kB on disk", s.what,
                 on == nullptr ? ""
                 : sort        ? " on "
                               : " of ",
                 on ? on : "", s.disk_kb >= 0 ? s.disk_kb : temp_kb);
    }
    const int64 needed_kb = s.node != nullptr ? s.needed_kb : 2 * temp_kb;
    ApKey key;
    memset(&key, 0, sizeof(key));
    key.kind = uint8(ApKind::TempSpill);
    key.userid = GetUserId();
    key.dbid = MyDatabaseId;
    key.queryid = queryid;
    ap_record(key, ApSample{true, 1, ms, needed_kb, -1, 0, detail});
}

} // namespace pgpf
