// detect_offset.cpp — the deep_offset detector: a Limit node whose OFFSET is at least
// pg_perfgate.deep_offset_threshold, found by a walk of the executed plan at ExecutorEnd (only of
// plans the plan-id walk saw a Limit in).
#include "detect_common.hpp"

namespace pgpf
{

int guc_deep_offset_threshold = 1000;

void detect_offset_init()
{
    DefineCustomIntVariable(
        "pg_perfgate.deep_offset_threshold", "OFFSET from which paging counts as deep (0 disables).", nullptr,
        &guc_deep_offset_threshold, 1000, 0, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
}

void check_offset(PlanState *ps, QueryDesc *qd, uint64 queryid, double ms)
{
    if (ps == nullptr)
        return;
    check_stack_depth();
    if (IsA(ps, LimitState))
    {
        const LimitState *l = reinterpret_cast<const LimitState *>(ps);
        if (guc_deep_offset_threshold > 0 && l->offset >= guc_deep_offset_threshold)
        {
            const int64 skipped = Min(l->offset, l->position);
            ap_record(ap_key(ApKind::DeepOffset, queryid, 0),
                      ApSample{true, 1, ms, l->offset, -1, skipped, nullptr});
            if (Pending *p = ask(ApKind::DeepOffset, qd))
            {
                snprintf(p->message, sizeof(p->message), "deep OFFSET: \"%s\" skipped " INT64_FORMAT " rows",
                         p->query, skipped);
                snprintf(p->detail, sizeof(p->detail),
                         "Query id " INT64_FORMAT ", OFFSET " INT64_FORMAT ", " INT64_FORMAT
                         " rows returned.",
                         int64(queryid), l->offset, Max(l->position - l->offset, int64(0)));
            }
            return;
        }
    }
    check_offset(ps->lefttree, qd, queryid, ms);
    check_offset(ps->righttree, qd, queryid, ms);
    if (IsA(ps, SubqueryScanState))
        check_offset(reinterpret_cast<SubqueryScanState *>(ps)->subplan, qd, queryid, ms);
}

} // namespace pgpf
