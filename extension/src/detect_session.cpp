/*
 * detect_session.cpp — the session_setting detector: a session-level SET of a planner, memory or
 * statement-behaviour setting that stays in force and goes on to change how later transactions'
 * statements run. On a pooled connection those are other requests' statements: they inherit the
 * work_mem, enable_* or search_path one request chose for itself.
 *
 * Which settings: those of PostgreSQL's own groups "Resource Usage / Memory", "Query Tuning" (all
 * four) and "Client Connection Defaults / Statement Behavior" (search_path, statement_timeout, ...)
 * except those of its settings that only change messages and output formats (kNotWatched:
 * client_min_messages, bytea_output, ...); DateStyle, TimeZone, application_name and the like,
 * which drivers set on every connection, are in other groups.
 *
 * Per backend, O(1) per statement: nothing runs unless a watched SET is in force (then one check
 * per setting at the first statement of each transaction, an increment and a small set of query
 * ids per statement), or the session has not yet run a statement that reads a table of its own
 * (then a walk of the statement's range table).
 *
 * Quiet, by construction:
 *  - SET LOCAL (is_local) is never watched; a SET inside a transaction that rolls back is undone,
 *    and the value check below sees it;
 *  - at the first statement of each later transaction the setting's current value is compared to
 *    its reset value (GetConfigOptionResetString: the server's, the database's and the role's
 *    defaults and the connection's options): equal means RESET, RESET ALL, DISCARD ALL, a SET back
 *    to the default, or a SET of what the role or database already sets. The watch ends there;
 *  - RESET name, RESET ALL and DISCARD ALL end the watch at once;
 *  - a SET before the session ran any statement that reads a table of the application's (a
 *    relation outside the catalogs) is the driver's or the pool's start-up, as is a SET right after
 *    DISCARD ALL (the connection's next client starting);
 *  - statements of the SET's own query id, and those of the SET's transaction, are not counted.
 * A finding needs statements of pg_perfgate.session_setting_queries distinct other query ids in
 * later transactions: an autocommit client that sets work_mem for its next statement (SET, then
 * the query it was for) affects one or two.
 */
#include "detect_common.hpp"

#include "utils/fmgroids.h"

namespace pgpf
{

bool session_watching = false;
bool session_work_started = false;
bool session_check_all = true; // session_watching || !session_work_started

namespace
{

int guc_session_setting_queries = 3; // distinct other query ids; 0 disables

constexpr int kWatched = 8; // settings watched at once; more are ignored
constexpr int kIds = 32;    // distinct query ids remembered per setting (counted beyond, not told apart)

struct Watched
{
    const char *name; // the setting's own name (PostgreSQL's record, lives as long as the backend)
    uint64 set_queryid;
    Oid set_userid; // the role that ran the SET owns the finding (a later SET ROLE does not move it)
    LocalTransactionId set_xact;  // the SET's transaction: its statements are not counted
    LocalTransactionId last_xact; // the latest transaction whose statements were counted
    int64 statements;             // statements of other query ids in later transactions
    int64 xacts;                  // later transactions they ran in
    int64 told_statements;        // statements already in the finding
    int nids;                     // distinct query ids, up to kIds
    bool reported;
    uint64 ids[kIds];
    char value[64]; // the value in force, when the finding was last written
};
Watched watched[kWatched];
int nwatched = 0;

// Statement Behavior settings that change what a client is told or how values are written, not how
// statements run (a driver sets some of them on every connection).
const char *const kNotWatched[] = {"client_min_messages", "check_function_bodies", "bytea_output",
                                   "xmlbinary", "xmloption"};

bool watched_group(const config_generic *g)
{
    for (const char *name : kNotWatched)
        if (strcmp(g->name, name) == 0)
            return false;
    switch (g->group)
    {
    case RESOURCES_MEM:
    case QUERY_TUNING_METHOD:
    case QUERY_TUNING_COST:
    case QUERY_TUNING_GEQO:
    case QUERY_TUNING_OTHER:
    case CLIENT_CONN_STATEMENT:
        return true;
    default:
        return false;
    }
}

// "work_mem = 64MB for the session; then 25 statements of 5 other query ids in 12 later transactions"
// (the finding's query id is the SET's).
void format_detail(const Watched &w, char *out, size_t size)
{
    snprintf(
        out, size,
        "%s = %s for the session; then %lld statements of %s%d other query ids in %lld later transactions",
        w.name, w.value, (long long)w.statements, w.nids >= kIds ? "at least " : "", w.nids,
        (long long)w.xacts);
}

// Writes what the finding gained since it was last written: a new occurrence the first time.
// refresh: take the value in force now (not once the setting is back to its reset value).
void record(Watched &w, QueryDesc *qd, bool refresh)
{
    // As SHOW says it, with its unit; a setting only some roles may read (GUC_SUPERUSER_ONLY, where
    // GetConfigOptionByName would raise an error for the others) as its raw value.
    const char *v = nullptr;
    if (refresh)
        v = (GetConfigOptionFlags(w.name, true) & GUC_SUPERUSER_ONLY) != 0
                ? GetConfigOption(w.name, true, false)
                : GetConfigOptionByName(w.name, nullptr, true);
    if (v != nullptr)
    {
        // A long value (a search_path) is cut: the detail has room for 128 bytes.
        strlcpy(w.value, v, sizeof(w.value));
        if (strlen(v) >= 40)
            strcpy(w.value + pg_mbcliplen(w.value, strlen(w.value), 36), "...");
    }
    char detail[128];
    format_detail(w, detail, sizeof(detail));
    const bool first = !w.reported;
    ApKey key = ap_key(ApKind::SessionSetting, w.set_queryid, 0);
    key.userid = w.set_userid;
    ap_record(key, ApSample{first, w.statements - w.told_statements, 0.0, w.statements, -1, 0, detail,
                            nullptr, w.name, ApNode::None});
    w.told_statements = w.statements;
    w.reported = true;
    if (!first || qd == nullptr)
        return;
    if (Pending *p = ask(ApKind::SessionSetting, qd))
    {
        snprintf(p->message, sizeof(p->message),
                 "session setting left on the connection: %s = %s went on to affect \"%s\"", w.name, w.value,
                 p->query);
        const int len = snprintf(p->detail, sizeof(p->detail), "Set by query id " INT64_FORMAT ": ",
                                 int64(w.set_queryid));
        if (len > 0 && len < int(sizeof(p->detail)))
            format_detail(w, p->detail + len, sizeof(p->detail) - len);
        strlcat(p->detail, ".", sizeof(p->detail));
    }
}

// Ends the watch of watched[i], writing first what its finding gained since it was last written.
void unwatch(int i)
{
    if (watched[i].reported && watched[i].statements > watched[i].told_statements)
        record(watched[i], nullptr, false);
    watched[i] = watched[nwatched - 1];
    nwatched--;
    session_watching = nwatched > 0;
    session_check_all = session_watching || !session_work_started;
}

// Whether the statement reads or writes a table of the application's (not a catalog, not a view).
bool touches_user_relation(const PlannedStmt *stmt)
{
    const ListCell *lc;
    foreach (lc, stmt->rtable)
    {
        const RangeTblEntry *rte = static_cast<const RangeTblEntry *>(lfirst(lc));
        // Tables, not views (a view's own tables are in the range table too: perfgate's views
        // read only catalogs and functions).
        if (rte->rtekind == RTE_RELATION && rte->relid >= FirstNormalObjectId &&
            (rte->relkind == RELKIND_RELATION || rte->relkind == RELKIND_PARTITIONED_TABLE ||
             rte->relkind == RELKIND_MATVIEW || rte->relkind == RELKIND_FOREIGN_TABLE))
            return true;
    }
    return false;
}

// Ends the watch of the setting `name` if there is one (set again: what follows is the new
// value's), and starts one when the session's work has started and `start` (a value, not RESET).
void watch(const char *name, uint64 queryid, bool start)
{
    const config_generic *g = PGPF_FIND_GUC(name);
    if (g == nullptr || !watched_group(g))
        return;
    int i = 0;
    while (i < nwatched && watched[i].name != g->name)
        i++;
    if (i < nwatched)
        unwatch(i);
    if (!start || !session_work_started || nwatched == kWatched)
        return;
    Watched &w = watched[nwatched++];
    memset(static_cast<void *>(&w), 0, sizeof(w));
    w.name = g->name;
    w.set_queryid = queryid;
    w.set_userid = GetUserId();
    w.set_xact = PGPF_LOCAL_XID();
    w.last_xact = w.set_xact;
    session_watching = true;
    session_check_all = true;
}

// A top-level `SELECT set_config(name, value, is_local)` (a plan of one Result node, its arguments
// constants or the client's parameters): a session-level one (is_local false) is watched as SET is.
// Not seen: set_config in a query that reads a table, in a function, or with computed arguments.
void session_set_config(QueryDesc *qd, uint64 queryid)
{
    const ListCell *lc;
    foreach (lc, qd->plannedstmt->planTree->targetlist)
    {
        const Node *e = reinterpret_cast<const Node *>(lfirst_node(TargetEntry, lc)->expr);
        if (!IsA(e, FuncExpr) || castNode(FuncExpr, e)->funcid != F_SET_CONFIG)
            continue;
        const List *args = castNode(FuncExpr, e)->args;
        Datum value[3];
        bool known = list_length(args) == 3;
        for (int a = 0; a < 3 && known; a++)
        {
            const Node *arg = static_cast<const Node *>(list_nth(args, a));
            known = false;
            if (IsA(arg, Const) && !castNode(Const, arg)->constisnull)
            {
                value[a] = castNode(Const, arg)->constvalue;
                known = true;
            }
            else if (IsA(arg, Param) && castNode(Param, arg)->paramkind == PARAM_EXTERN)
            {
                // The client's parameter, when the values are plainly there (no fetch hook).
                const ParamListInfo p = qd->params;
                const int id = castNode(Param, arg)->paramid;
                if (p != nullptr && p->paramFetch == nullptr && id > 0 && id <= p->numParams &&
                    !p->params[id - 1].isnull && p->params[id - 1].ptype == castNode(Param, arg)->paramtype)
                {
                    value[a] = p->params[id - 1].value;
                    known = true;
                }
            }
        }
        if (!known || DatumGetBool(value[2]))
            continue; // unknown, or is_local: ends with the transaction
        watch(TextDatumGetCString(value[0]), queryid, true);
    }
}

inline void session_count(QueryDesc *qd, uint64 queryid)
{
    if (!session_work_started)
    {
        // Until the session reads a table of its own, a SET is its start-up; so is this statement's
        // own transaction's SET, counted from the next one.
        if (touches_user_relation(qd->plannedstmt))
        {
            session_work_started = true;
            session_check_all = session_watching;
        }
        if (!session_watching)
            return;
    }
    const LocalTransactionId xact = PGPF_LOCAL_XID();
    for (int i = 0; i < nwatched; i++)
    {
        Watched &w = watched[i];
        if (xact == w.set_xact)
            continue;
        if (xact != w.last_xact)
        {
            // A later transaction: is the setting still what the SET made it, not its reset value?
            // (Copied: either may return a static buffer.)
            const char *now = GetConfigOption(w.name, true, false);
            char value[256];
            strlcpy(value, now != nullptr ? now : "", sizeof(value));
            const char *reset = GetConfigOptionResetString(w.name);
            if (now == nullptr || reset == nullptr || strcmp(value, reset) == 0)
            {
                unwatch(i--);
                continue;
            }
            if (w.reported && w.statements > w.told_statements)
                record(w, nullptr, true); // the previous transactions' statements, once per transaction
            w.last_xact = xact;
            w.xacts++;
        }
        if (queryid == w.set_queryid)
            continue;
        w.statements++;
        bool seen = false;
        for (int k = 0; k < w.nids && !seen; k++)
            seen = w.ids[k] == queryid;
        if (!seen && w.nids < kIds)
            w.ids[w.nids++] = queryid;
        if (!w.reported && w.nids >= guc_session_setting_queries)
            record(w, qd, true);
    }
}

} // namespace

void detect_session_init()
{
    DefineCustomIntVariable(
        "pg_perfgate.session_setting_queries",
        "Distinct other query ids that must run, in later transactions, under a session-level SET of a "
        "planner, memory or statement setting before it is a finding (0 disables).",
        nullptr, &guc_session_setting_queries, 3, 0, kIds, PGC_SUSET, 0, nullptr, nullptr, nullptr);
}

void session_utility(const Node *stmt, uint64 queryid)
{
    if (IsA(stmt, DiscardStmt))
    {
        if (castNode(DiscardStmt, stmt)->target == DISCARD_ALL)
        {
            while (nwatched > 0)
                unwatch(nwatched - 1);
            session_work_started = false; // what follows is the connection's next client starting
            session_check_all = true;
        }
        return;
    }
    const VariableSetStmt *v = castNode(VariableSetStmt, stmt);
    if (v->kind == VAR_RESET_ALL)
    {
        while (nwatched > 0)
            unwatch(nwatched - 1);
        return;
    }
    if (v->name == nullptr || v->is_local || guc_session_setting_queries <= 0)
        return;
    if (v->kind != VAR_SET_VALUE && v->kind != VAR_SET_DEFAULT && v->kind != VAR_SET_CURRENT &&
        v->kind != VAR_RESET)
        return; // SET TRANSACTION ..., SET SESSION CHARACTERISTICS ...: not one setting
    watch(v->name, queryid, v->kind == VAR_SET_VALUE || v->kind == VAR_SET_CURRENT);
}

void session_statement_slow(QueryDesc *qd, uint64 queryid)
{
    session_count(qd, queryid);
    // Counted above under what was in force before it; what it sets is watched from the next one.
    if (IsA(qd->plannedstmt->planTree, Result) && guc_session_setting_queries > 0)
        session_set_config(qd, queryid);
}

void session_flush()
{
    for (int i = 0; i < nwatched; i++)
        if (watched[i].reported && watched[i].statements > watched[i].told_statements)
            record(watched[i], nullptr, true);
}

} // namespace pgpf
