/*
 * detect_wide.cpp — the wide_fetch detector: a top-level SELECT that sent the client many wide rows
 * whose width is mostly a few large columns of a table it read whole (`SELECT *`, an ORM's default
 * load of a model): the client is sent, and the server reads and copies, columns it most likely
 * does not use. Advice: select only the columns used (SQLAlchemy load_only()/defer(), Django
 * only()/defer()).
 *
 * Cost: one comparison per statement (detect.cpp: rows >= detect_rows_gate, the lowest of this
 * detector's gate, wide_fetch_gate, INT64_MAX when off, and the unstreamed fetch's).
 * Only an execution that returned pg_perfgate.wide_fetch_rows rows or more is looked at: the
 * planner's row width (plan_width) times the rows must reach pg_perfgate.wide_fetch_size; then, for
 * that execution alone, each output column's average width is looked up (the planner's own
 * estimate: pg_statistic's stawidth through get_attavgwidth, the type's typical width without
 * statistics) and the relations the large columns come from are opened in the relcache (already
 * locked by the statement). An execution with so many rows costs far more than that.
 *
 * Quiet, by construction:
 *  - narrow rows, or wide rows a few at a time (below either threshold: a LIMIT, a FETCH of a few
 *    rows of a cursor);
 *  - rows whose width is not mostly (at least half) one to three large columns (128 bytes or more
 *    each, a quarter of the row or more): nothing to leave out;
 *  - a statement that names its columns: it reads some of a table's columns, not all of them (the
 *    large columns are what it asked for);
 *  - a table with fewer than two columns besides its large ones (loading one without the other is
 *    no saving);
 *  - nested statements (a function's), statements whose rows do not go to the client, a cursor
 *    fetched in parts (judged, like an unstreamed fetch, only when the whole result went in one run).
 *
 * Limits: the widths are the planner's. A value stored out of line (TOAST) counts as its 18-byte
 * pointer in pg_statistic's stawidth, so a column whose values are mostly toasted (over about 2 kB
 * each, or compressed below it) looks narrower than the bytes sent; a table never analyzed has
 * the type's typical width (32 bytes for text), and is not seen. The bytes actually sent are not
 * counted.
 */
#include "detect_common.hpp"

#include "utils/rel.h"

namespace pgpf
{

int64 wide_fetch_gate = 1000; // pg_perfgate.wide_fetch_rows, INT64_MAX when the detector is off

namespace
{

int guc_wide_fetch_rows = 1000;
int guc_wide_fetch_size = 1024; // kB: rows times the planner's row width

constexpr int kMinLarge = 128; // bytes a large column has on average
constexpr int kMaxLarge = 3;   // large columns named at most; more: the whole row is wide

void set_gate(int, void *)
{
    wide_fetch_gate = guc_wide_fetch_rows > 0 && guc_wide_fetch_size > 0 ? guc_wide_fetch_rows : PG_INT64_MAX;
    detect_rows_gate_update();
}

void assign_rows(int value, void *extra)
{
    guc_wide_fetch_rows = value;
    set_gate(value, extra);
}

void assign_size(int value, void *extra)
{
    guc_wide_fetch_size = value;
    set_gate(value, extra);
}

struct Column
{
    Oid relid;
    AttrNumber attnum;
    int32 width;
};

// Whether the statement reads every live column of relid (a `SELECT *` of it) and the table has
// at least two columns besides its nlarge large ones.
bool reads_whole_table(const Column *cols, int ncols, Oid relid, int nlarge)
{
    Relation rel = RelationIdGetRelation(relid);
    if (rel == nullptr)
        return false;
    const TupleDesc desc = RelationGetDescr(rel);
    int live = 0, read = 0;
    for (int a = 0; a < desc->natts; a++)
    {
        if (TupleDescAttr(desc, a)->attisdropped)
            continue;
        live++;
        for (int c = 0; c < ncols; c++)
            if (cols[c].relid == relid && cols[c].attnum == a + 1)
            {
                read++;
                break;
            }
    }
    const bool table = rel->rd_rel->relkind == RELKIND_RELATION ||
                       rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE ||
                       rel->rd_rel->relkind == RELKIND_MATVIEW;
    RelationClose(rel);
    return table && read == live && live - nlarge >= 2;
}

} // namespace

void detect_wide_init()
{
    DefineCustomIntVariable("pg_perfgate.wide_fetch_rows",
                            "Rows a top-level query must return before its row width is looked at by the "
                            "wide-fetch detector (0 disables).",
                            nullptr, &guc_wide_fetch_rows, 1000, 0, INT_MAX, PGC_SUSET, 0, nullptr,
                            assign_rows, nullptr);
    DefineCustomIntVariable(
        "pg_perfgate.wide_fetch_size",
        "Rows times the planner's row width a query must return before it can be a wide fetch (0 disables).",
        nullptr, &guc_wide_fetch_size, 1024, 0, INT_MAX, PGC_SUSET, GUC_UNIT_KB, nullptr, assign_size,
        nullptr);
}

void check_wide_fetch(QueryDesc *qd, uint64 queryid, int64 rows, double ms)
{
    const Plan *plan = qd->plannedstmt->planTree;
    if (plan == nullptr || double(rows) * plan->plan_width < double(guc_wide_fetch_size) * 1024.0)
        return;
    // A cursor left open ends while its transaction commits or aborts: no catalog lookups then.
    if (!IsTransactionState())
        return;
    // Each output column's average width, and where it comes from.
    const int n = list_length(plan->targetlist);
    Column *cols = static_cast<Column *>(palloc(sizeof(Column) * Max(n, 1)));
    int ncols = 0;
    int64 total = 0;
    const ListCell *lc;
    foreach (lc, plan->targetlist)
    {
        const TargetEntry *tle = lfirst_node(TargetEntry, lc);
        if (tle->resjunk)
            continue;
        int32 w = 0;
        if (OidIsValid(tle->resorigtbl) && tle->resorigcol > 0)
            w = get_attavgwidth(tle->resorigtbl, tle->resorigcol);
        if (w <= 0)
            w = get_typavgwidth(exprType(reinterpret_cast<const Node *>(tle->expr)),
                                exprTypmod(reinterpret_cast<const Node *>(tle->expr)));
        cols[ncols++] = Column{tle->resorigtbl, tle->resorigcol, w};
        total += w;
    }
    if (total <= 0)
        return;
    // The largest columns, up to kMaxLarge, each large and a quarter of the row or more.
    int large[kMaxLarge];
    int nlarge = 0;
    int64 large_sum = 0;
    for (int k = 0; k < kMaxLarge; k++)
    {
        int best = -1;
        for (int c = 0; c < ncols; c++)
        {
            bool taken = false;
            for (int j = 0; j < nlarge; j++)
                taken |= large[j] == c;
            if (!taken && (best < 0 || cols[c].width > cols[best].width))
                best = c;
        }
        if (best < 0 || cols[best].width < kMinLarge || int64(cols[best].width) * 4 < total ||
            !OidIsValid(cols[best].relid))
            break;
        large[nlarge++] = best;
        large_sum += cols[best].width;
    }
    if (nlarge == 0 || large_sum * 2 < total)
        return;
    // Each large column's table is read whole.
    for (int j = 0; j < nlarge; j++)
    {
        const Oid relid = cols[large[j]].relid;
        int of_rel = 0;
        for (int k = 0; k < nlarge; k++)
            of_rel += cols[large[k]].relid == relid;
        if (!reads_whole_table(cols, ncols, relid, of_rel))
            return;
    }

    // "wf_post.body" and "wf_post.body 1503 B of 1540 B per row, 2000 rows (3008 kB)"
    char names[128] = "";
    char detail[128] = "";
    for (int j = 0; j < nlarge; j++)
    {
        const Column &c = cols[large[j]];
        const char *rel = get_rel_name(c.relid);
        const char *att = get_attname(c.relid, c.attnum, true);
        const char *name = psprintf("%s.%s", rel != nullptr ? quote_identifier(rel) : "?",
                                    att != nullptr ? quote_identifier(att) : "?");
        if (j > 0)
        {
            strlcat(names, ", ", sizeof(names));
            strlcat(detail, ", ", sizeof(detail));
        }
        strlcat(names, name, sizeof(names));
        strlcat(detail, psprintf("%s %d B", name, c.width), sizeof(detail));
    }
    const int64 kb = (int64(total) * rows + 1023) / 1024;
    strlcat(detail,
            psprintf(" of " INT64_FORMAT " B per row, " INT64_FORMAT " rows (" INT64_FORMAT " kB)", total,
                     rows, kb),
            sizeof(detail));
    ap_record(ap_key(ApKind::WideFetch, queryid, 0),
              ApSample{true, 1, ms, rows, -1, 0, detail, nullptr, names, ApNode::None});
    if (Pending *p = ask(ApKind::WideFetch, qd))
    {
        snprintf(p->message, sizeof(p->message),
                 "wide fetch: \"%s\" returned " INT64_FORMAT " rows of about " INT64_FORMAT
                 " bytes, mostly %s",
                 p->query, rows, total, names);
        snprintf(p->detail, sizeof(p->detail), "Query id " INT64_FORMAT ": %s.", int64(queryid), detail);
    }
}

} // namespace pgpf
