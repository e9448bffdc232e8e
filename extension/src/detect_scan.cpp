// detect_scan.cpp — the filter_heavy_seq_scan detector: on an execution sampled for per-node row
// counts (pg_perfgate.sample_rate, detect.cpp), a sequential scan that read at least
// pg_perfgate.seq_scan_min_rows rows and whose filter removed at least seq_scan_filter_ratio of them.
#include "detect_common.hpp"

namespace pgpf
{

namespace
{

int guc_seq_scan_min_rows = 10000;
double guc_seq_scan_filter_ratio = 0.99;

// Columns a scan's filter reads, as "relation(col, col)".
void describe_filter(const Plan *plan, Oid relid, char *out, size_t size)
{
    const char *rel = get_rel_name(relid);
    StringInfoData buf;
    initStringInfo(&buf);
    appendStringInfo(&buf, "%s(", rel ? rel : "?");
    List *vars = pull_var_clause(reinterpret_cast<Node *>(plan->qual), 0);
    Bitmapset *seen = nullptr;
    ListCell *lc;
    foreach (lc, vars)
    {
        const Var *v = static_cast<const Var *>(lfirst(lc));
        if (!IsA(v, Var) || v->varattno <= 0 || bms_is_member(v->varattno, seen))
            continue;
        seen = bms_add_member(seen, v->varattno);
        const char *col = get_attname(relid, v->varattno, true);
        appendStringInfo(&buf, "%s%s", bms_num_members(seen) > 1 ? ", " : "", col ? col : "?");
    }
    appendStringInfoChar(&buf, ')');
    strlcpy(out, buf.data, size);
    pfree(buf.data);
}

} // namespace

void detect_scan_init()
{
    DefineCustomIntVariable(
        "pg_perfgate.seq_scan_min_rows", "Rows a sequential scan must read before its filter is judged.",
        nullptr, &guc_seq_scan_min_rows, 10000, 1, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomRealVariable("pg_perfgate.seq_scan_filter_ratio",
                             "Share of the rows read that a filter must remove for the scan to be reported.",
                             nullptr, &guc_seq_scan_filter_ratio, 0.99, 0.0, 1.0, PGC_SUSET, 0, nullptr,
                             nullptr, nullptr);
}

void check_seq_scans(PlanState *ps, QueryDesc *qd, uint64 queryid, double ms)
{
    if (ps == nullptr)
        return;
    check_stack_depth();
    if (IsA(ps, SeqScanState) && ps->instrument != nullptr && ps->plan->qual != NIL)
    {
        // Parallel workers' counts have already been added to the leader's by then.
        const Instrumentation *in = ps->instrument;
        const double kept = in->ntuples + in->tuplecount;
        const double removed = in->nfiltered1;
        const double scanned = kept + removed;
        if (scanned >= guc_seq_scan_min_rows && scanned > 0 && removed / scanned >= guc_seq_scan_filter_ratio)
        {
            const Scan *scan = reinterpret_cast<const Scan *>(ps->plan);
            const Oid relid = rt_fetch(scan->scanrelid, qd->estate->es_range_table)->relid;
            char detail[128];
            describe_filter(ps->plan, relid, detail, sizeof(detail));
            ap_record(ap_key(ApKind::FilterHeavySeqScan, queryid, 0),
                      ApSample{true, 1, ms, int64(scanned), -1, int64(removed), detail, nullptr, detail});
            if (Pending *p = ask(ApKind::FilterHeavySeqScan, qd))
            {
                snprintf(p->message, sizeof(p->message),
                         "filter-heavy sequential scan: \"%s\" read %.0f rows and kept %.0f", p->query,
                         scanned, kept);
                snprintf(p->detail, sizeof(p->detail), "Query id " INT64_FORMAT ", the filter reads %s.",
                         int64(queryid), detail);
            }
        }
    }
    check_seq_scans(ps->lefttree, qd, queryid, ms);
    check_seq_scans(ps->righttree, qd, queryid, ms);
    if (IsA(ps, SubqueryScanState))
        check_seq_scans(reinterpret_cast<SubqueryScanState *>(ps)->subplan, qd, queryid, ms);
    if (IsA(ps, AppendState))
    {
        AppendState *a = reinterpret_cast<AppendState *>(ps);
        for (int i = 0; i < a->as_nplans; i++)
            check_seq_scans(a->appendplans[i], qd, queryid, ms);
    }
}

} // namespace pgpf
