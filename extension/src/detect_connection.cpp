/*
 * detect_connection.cpp — sessions per application: the table behind pg_perfgate_connections and
 * the two findings it feeds, connection_per_request (many short sessions at a high rate from one
 * application: the client opens a connection per request instead of using a pool) and
 * idle_in_transaction (a session that kept its transaction open while it sat idle between two of its
 * statements, or before COMMIT/ROLLBACK: locks and the vacuum horizon held meanwhile).
 *
 * Sessions that start with pg_perfgate.track = none are not counted.
 *
 * Key: (login role, database, application_name, client address). The application_name is the one
 * the session connected with (its startup packet, or the role's or database's default): a session
 * is counted under one key from start to end, so a later SET application_name does not move it.
 * The client address is the numeric host, "" for a Unix socket; like pg_stat_activity.client_addr,
 * the view shows it only to roles with the privileges of the session's role or of pg_read_all_stats.
 *
 * Cost. Per statement: an increment and a few compares in this backend's own memory
 * (conn_statement, detect_common.hpp). Shared memory is touched once at the start of a session (its
 * first parse analysis: sessions that never run a statement are not counted), once at its end
 * (before_shmem_exit), and when a finding is written.
 *
 * Layout: one ClockTable (core/table.hpp) of ConnEntry, pg_perfgate.max_connection_keys entries,
 * in a segment of its own ("pg_perfgate connections"). Locking: one LWLock (tranche "pg_perfgate
 * connections"), taken exclusively at session start and end, shared to copy the table for the
 * view. Nothing under the lock allocates or can raise an error. A full table evicts the least used
 * key (clock sweep), counted in the view's `evictions`. The table is not saved across a restart.
 *
 * Rates: sessions started, and short sessions ended, per minute over a sliding minute, kept as the
 * counts of the current and the previous wall-clock minute; the estimate weights the previous
 * minute by the part of it still inside the last 60 seconds.
 *
 * Idle time: a statement's end is its start (the statement timestamp) plus its execution time; the
 * gap to the next statement's start in the same transaction is idle time, the client's. A utility
 * statement the extension does not measure (pg_perfgate.track_utility = off) leaves the end unknown:
 * no gap is measured after it.
 */
#include "detect.hpp"
#include "detect_common.hpp"

#include "core/fingerprint.hpp"
#include "core/table.hpp"
#include "guard.hpp"
#include "normalize.hpp"
#include "settings.hpp"
#include "srf.hpp"

namespace pgpf
{

ConnSession conn_session;
bool conn_started = false;
int64 conn_idle_threshold_us = INT64_MAX;

namespace
{

int guc_max_keys = 256;
int guc_rate = 120;      // short sessions per minute; 0 disables connection_per_request
int guc_statements = 20; // most statements a short session runs
int guc_idle_ms = 1000;  // 0 disables idle_in_transaction

struct ConnKey
{
    Oid userid; // the session's login role
    Oid dbid;
    char appname[NAMEDATALEN];
    char client_addr[48]; // numeric host, "" for a Unix socket
};

struct ConnEntry
{
    ConnKey key;
    int64 sessions;       // started: ran a first statement
    int64 sessions_ended; // of those, ended
    int64 short_sessions; // ended after at most connection_per_request_statements statements
    int64 statements;     // top-level statements of the ended sessions
    double session_ms;    // lifetime of the ended sessions, summed
    double max_session_ms;
    double idle_ms; // idle in an open transaction, summed over the ended sessions
    double max_idle_ms;
    int64 idle_gaps; // idle gaps longer than idle_in_transaction_threshold
    double longest_xact_ms;
    int64 minute;                    // the current minute of the rate windows (since 2000-01-01)
    int64 started_now, started_prev; // sessions started in that minute and the one before
    int64 short_now, short_prev;     // short sessions ended in that minute and the one before
    TimestampTz first_seen;
    TimestampTz last_seen; // the latest session start or end
};
static_assert(std::is_trivially_copyable_v<ConnEntry>, "entries live in shared memory");

using ConnTable = pgpf::ClockTable<ConnEntry>;

struct ConnShared
{
    LWLock *lock;
    char table[FLEXIBLE_ARRAY_MEMBER];
};
ConnShared *conn_shared = nullptr;

ConnKey my_key;
uint64 my_hash; // key_hash(my_key), computed once at the session's start

Size conn_size()
{
    return add_size(offsetof(ConnShared, table), ConnTable::bytes(uint32(guc_max_keys)));
}

uint64 key_hash(const ConnKey &k)
{
    pgpf::Fingerprint f;
    f.mix((uint64(k.userid) << 32) | k.dbid);
    f.mix(hash_bytes_extended(reinterpret_cast<const unsigned char *>(k.appname), sizeof(k.appname), 0));
    f.mix(hash_bytes_extended(reinterpret_cast<const unsigned char *>(k.client_addr), sizeof(k.client_addr),
                              0));
    return f.finish();
}

// The entry of this session's key, added (its figures zero, first seen at first_seen) when the
// table has none; NULL when the table cannot take it. One probe when found. Under the lock.
ConnEntry *find_or_add(ConnTable &t, TimestampTz first_seen, TimestampTz now, bool *added)
{
    *added = false;
    ConnEntry *e = t.find(my_key, my_hash);
    if (e != nullptr)
        return e;
    bool evicted;
    e = t.insert(my_key, my_hash, &evicted);
    if (e != nullptr)
    {
        memset(reinterpret_cast<char *>(e) + sizeof(ConnKey), 0, sizeof(ConnEntry) - sizeof(ConnKey));
        e->first_seen = first_seen;
        e->minute = now / USECS_PER_MINUTE;
        *added = true;
    }
    return e;
}

// Moves the rate windows of e to the minute of now.
void roll(ConnEntry &e, TimestampTz now)
{
    const int64 minute = now / USECS_PER_MINUTE;
    if (minute == e.minute)
        return;
    if (minute == e.minute + 1)
    {
        e.started_prev = e.started_now;
        e.short_prev = e.short_now;
    }
    else
        e.started_prev = e.short_prev = 0;
    e.started_now = e.short_now = 0;
    e.minute = minute;
}

// Per minute over the last 60 seconds: this minute's count and the part of the previous minute's
// still inside them.
double per_minute(int64 now_count, int64 prev_count, TimestampTz now)
{
    const double into = double(now % USECS_PER_MINUTE) / double(USECS_PER_MINUTE);
    return double(now_count) + double(prev_count) * (1.0 - into);
}

void assign_idle(int value, void *)
{
    conn_idle_threshold_us = value > 0 ? int64(value) * 1000 : INT64_MAX;
}

// The text of a statement of this backend, one line, at most 80 bytes; "" when unknown. palloc'd.
char *short_text(uint64 queryid)
{
    int len = 0;
    bool cut;
    char *text = queryid != 0 ? query_text_for(queryid, nullptr, -1, 0, &len, &cut) : nullptr;
    if (text == nullptr)
        return pstrdup("");
    for (char *c = text; *c; c++)
        if (*c == '\n' || *c == '\t' || *c == '\r')
            *c = ' ';
    if (len > 80)
    {
        len = pg_mbcliplen(text, len, 76);
        strcpy(text + len, "...");
    }
    return text;
}

void at_exit(int code, Datum);

ApKey churn_key(const ConnKey &k)
{
    ApKey key = ap_key(ApKind::ConnectionPerRequest, 0, 0);
    key.userid = k.userid;
    key.dbid = k.dbid;
    // One finding per application and client address of the role: told apart by a hash of them
    // (the views show no related query id for this kind).
    pgpf::Fingerprint f;
    f.mix(hash_bytes_extended(reinterpret_cast<const unsigned char *>(k.appname), sizeof(k.appname), 0));
    f.mix(hash_bytes_extended(reinterpret_cast<const unsigned char *>(k.client_addr), sizeof(k.client_addr),
                              0));
    key.related_queryid = f.finish() | 1;
    return key;
}

// A short session of a key at a high rate ended: one occurrence of connection_per_request, its
// statements and lifetime. The detail describes the key's ended sessions on average.
void record_churn(const ConnKey &k, int64 statements, double lifetime_ms, double rate, double mean_statements,
                  double mean_ms)
{
    char app[48];
    strlcpy(app, k.appname, sizeof(app));
    if (strlen(k.appname) > 40)
        strcpy(app + pg_mbcliplen(app, strlen(app), 37), "...");
    char detail[128];
    snprintf(detail, sizeof(detail),
             "application \"%s\": %.0f short sessions a minute, %.1f statements and %.1f ms each", app, rate,
             mean_statements, mean_ms);
    ap_record(churn_key(k), ApSample{true, statements, lifetime_ms, int64(rate), -1, 0, detail, nullptr,
                                     nullptr, ApNode::None});
    ap_flush();
}

} // namespace

void conn_init()
{
    DefineCustomIntVariable("pg_perfgate.max_connection_keys",
                            "Maximum number of (role, database, application_name, client address) keys whose "
                            "sessions are counted; the least used is evicted.",
                            nullptr, &guc_max_keys, 256, 16, 100000, PGC_POSTMASTER, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable(
        "pg_perfgate.connection_per_request_rate",
        "Short sessions per minute from one application, role, database and client address that make a "
        "connection_per_request finding (0 disables).",
        nullptr, &guc_rate, 120, 0, INT_MAX, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_perfgate.connection_per_request_statements",
                            "Most top-level statements a session may run and still count as short for "
                            "connection_per_request.",
                            nullptr, &guc_statements, 20, 0, INT_MAX, PGC_SUSET, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable(
        "pg_perfgate.idle_in_transaction_threshold",
        "Longest a session may sit idle inside an open transaction (between its statements, "
        "or before COMMIT or ROLLBACK) before it is an idle_in_transaction finding "
        "(0 disables).",
        nullptr, &guc_idle_ms, 1000, 0, INT_MAX / 1000, PGC_SUSET, GUC_UNIT_MS, nullptr, assign_idle,
        nullptr);
}

void conn_shmem_request()
{
    RequestAddinShmemSpace(conn_size());
    RequestNamedLWLockTranche("pg_perfgate connections", 1);
}

void conn_shmem_startup()
{
    bool found;
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    conn_shared = static_cast<ConnShared *>(ShmemInitStruct("pg_perfgate connections", conn_size(), &found));
    if (!found)
    {
        conn_shared->lock = &GetNamedLWLockTranche("pg_perfgate connections")->lock;
        ConnTable::create(conn_shared->table, uint32(guc_max_keys));
    }
    LWLockRelease(AddinShmemInitLock);
}

void conn_session_start_slow()
{
    conn_started = true;
    // Client sessions only (and a single-user backend, whose statements run the same path): not
    // background workers, not replication connections.
    // pg_perfgate.track = none (for the role or database, or as a connection option) records nothing.
    if (conn_shared == nullptr || (MyBackendType != B_BACKEND && IsUnderPostmaster) ||
        !OidIsValid(MyDatabaseId) || guc_track == TRACK_NONE)
        return;
    memset(&my_key, 0, sizeof(my_key));
    my_key.userid = GetSessionUserId();
    my_key.dbid = MyDatabaseId;
    strlcpy(my_key.appname, application_name != nullptr ? application_name : "", sizeof(my_key.appname));
    const SockAddr *ra = MyProcPort != nullptr ? &MyProcPort->raddr : nullptr;
    if (ra != nullptr && (ra->addr.ss_family == AF_INET || ra->addr.ss_family == AF_INET6))
    {
        char host[NI_MAXHOST];
        host[0] = '\0';
        if (pg_getnameinfo_all(&ra->addr, ra->salen, host, sizeof(host), nullptr, 0, NI_NUMERICHOST) == 0)
        {
            clean_ipv6_addr(ra->addr.ss_family, host);
            strlcpy(my_key.client_addr, host, sizeof(my_key.client_addr));
        }
    }
    memset(&conn_session, 0, sizeof(conn_session));
    conn_session.counting = true;
    before_shmem_exit(at_exit, (Datum)0);

    const TimestampTz now = GetCurrentStatementStartTimestamp();
    my_hash = key_hash(my_key);
    LWLockAcquire(conn_shared->lock, LW_EXCLUSIVE);
    ConnTable t(conn_shared->table);
    bool added;
    ConnEntry *e = find_or_add(t, now, now, &added);
    double rate = 0;
    if (e != nullptr)
    {
        t.touch(e);
        roll(*e, now);
        e->sessions++;
        e->started_now++;
        e->last_seen = now;
        rate = per_minute(e->short_now, e->short_prev, now);
    }
    LWLockRelease(conn_shared->lock);
    // The new session is told (connection_per_request_action) while its application keeps
    // connecting at that rate: the sessions that made the finding have ended, nobody heard them.
    if (guc_rate > 0 && rate >= double(guc_rate) && detect_enabled())
    {
        const char *message = psprintf(
            "connection per request: application \"%s\" keeps opening short sessions", my_key.appname);
        const char *detail = psprintf("%.0f sessions of at most %d statements ended in the last minute.",
                                      rate, guc_statements);
        tell_now(ApKind::ConnectionPerRequest, 0, message, detail);
    }
}

void conn_idle_gap(QueryDesc *qd, TimestampTz now, const Node *stmt)
{
    // What ended the gap.
    const char *before = "the next statement";
    if (stmt != nullptr && IsA(stmt, TransactionStmt))
    {
        const TransactionStmtKind k = castNode(TransactionStmt, stmt)->kind;
        before = k == TRANS_STMT_COMMIT || k == TRANS_STMT_PREPARE ? "COMMIT"
                 : k == TRANS_STMT_ROLLBACK                        ? "ROLLBACK"
                                                                   : before;
    }
    ConnSession &s = conn_session;
    const int64 gap = now - s.last_end;
    s.idle_gaps++;
    if (!detect_enabled())
        return;
    const double ms = double(gap) / 1000.0;
    char *prev = short_text(s.last_queryid);
    char detail[128];
    snprintf(detail, sizeof(detail), "idle %.0f ms in an open transaction after this statement, before %s",
             ms, before);
    ApKey key = ap_key(ApKind::IdleInTransaction, s.last_queryid, 0);
    ap_record(key, ApSample{true, 1, ms, int64(ms), -1, 0, detail, nullptr, nullptr, ApNode::None});
    // The figures in the detail only: the message stays the same from one run to the next.
    const char *message = psprintf(
        "idle in transaction: the transaction stayed open while the client was idle after \"%s\"", prev);
    const char *why =
        psprintf("Query id " INT64_FORMAT " ran, then the client sent nothing for %.0f ms before %s, "
                 "while the transaction held its locks and snapshot.",
                 int64(s.last_queryid), ms, before);
    if (qd != nullptr)
    {
        if (Pending *p = ask(ApKind::IdleInTransaction, qd))
        {
            strlcpy(p->message, message, sizeof(p->message));
            strlcpy(p->detail, why, sizeof(p->detail));
        }
    }
    else
        tell_now(ApKind::IdleInTransaction, s.last_queryid, message, why);
    pfree(prev);
}

void conn_utility_start(const Node *stmt, uint64 queryid)
{
    ConnSession &s = conn_session;
    if (!s.counting || !detect_enabled())
        return;
    const TimestampTz now = GetCurrentStatementStartTimestamp();
    // (What ended an idle gap is named from stmt only when there is one: conn_idle_gap.)
    conn_track(nullptr, queryid, now, stmt, PGPF_LOCAL_XID());
    // Its end is known only if it is measured (conn_utility_end).
    s.end_known = false;
    s.last_start = now;
}

void conn_forget_end()
{
    conn_session.end_known = false;
}

void conn_utility_end(double ms)
{
    ConnSession &s = conn_session;
    if (!s.counting)
        return;
    s.last_end = s.last_start + int64(ms * 1000.0);
    s.end_known = true;
}

namespace
{

void at_exit(int code, Datum)
{
    guarded("before_shmem_exit",
            [&]
            {
                ConnSession &s = conn_session;
                if (!s.counting || conn_shared == nullptr)
                    return;
                s.counting = false;
                const TimestampTz now = GetCurrentTimestamp();
                // A session that leaves with its transaction open (a client gone, or ended by
                // idle_in_transaction_session_timeout) was idle in it since its last statement.
                if (s.end_known && s.xact == PGPF_LOCAL_XID() && IsTransactionBlock() && now > s.last_end)
                {
                    const int64 gap = now - s.last_end;
                    s.idle_us += gap;
                    s.max_idle_us = Max(s.max_idle_us, gap);
                    if (gap > conn_idle_threshold_us)
                        s.idle_gaps++;
                }
                if (s.xact != InvalidLocalTransactionId)
                    s.longest_xact_us = Max(s.longest_xact_us, s.last_end - s.xact_start);
                const double lifetime_ms = double(now - MyStartTimestamp) / 1000.0;
                const bool is_short = s.statements <= guc_statements;
                bool churn = false;
                double rate = 0, mean_statements = 0, mean_ms = 0;
                LWLockAcquire(conn_shared->lock, LW_EXCLUSIVE);
                ConnTable t(conn_shared->table);
                // Added when evicted while the session ran: it starts again with this session.
                bool added;
                ConnEntry *e = find_or_add(t, MyStartTimestamp, now, &added);
                if (added)
                    e->sessions = 1;
                if (e != nullptr)
                {
                    roll(*e, now);
                    e->sessions_ended++;
                    e->statements += s.statements;
                    e->session_ms += lifetime_ms;
                    e->max_session_ms = Max(e->max_session_ms, lifetime_ms);
                    e->idle_ms += double(s.idle_us) / 1000.0;
                    e->max_idle_ms = Max(e->max_idle_ms, double(s.max_idle_us) / 1000.0);
                    e->idle_gaps += s.idle_gaps;
                    e->longest_xact_ms = Max(e->longest_xact_ms, double(s.longest_xact_us) / 1000.0);
                    e->last_seen = now;
                    if (is_short)
                    {
                        e->short_sessions++;
                        e->short_now++;
                        rate = per_minute(e->short_now, e->short_prev, now);
                        churn = guc_rate > 0 && rate >= double(guc_rate);
                        mean_statements = double(e->statements) / double(e->sessions_ended);
                        mean_ms = e->session_ms / double(e->sessions_ended);
                    }
                }
                LWLockRelease(conn_shared->lock);
                // After a FATAL error the findings are left alone (as detect.cpp leaves its bursts).
                if (churn && code == 0 && detect_enabled())
                    record_churn(my_key, s.statements, lifetime_ms, rate, mean_statements, mean_ms);
            });
}

} // namespace

void conn_reset(Oid userid, Oid dbid)
{
    if (conn_shared == nullptr)
        return;
    LWLockAcquire(conn_shared->lock, LW_EXCLUSIVE);
    ConnTable t(conn_shared->table);
    if (userid == 0 && dbid == 0)
        t.clear();
    else
        t.for_each(
            [&](const ConnEntry &e)
            {
                if ((userid == 0 || e.key.userid == userid) && (dbid == 0 || e.key.dbid == dbid))
                    t.remove(&e);
            });
    LWLockRelease(conn_shared->lock);
}

namespace
{

constexpr int kColumns = 19;

// pg_perfgate_connections_internal(): one row per key. The client address only to roles with the
// privileges of the key's role or of pg_read_all_stats (pg_stat_activity's rule for client_addr).
void connection_rows(FunctionCallInfo fcinfo)
{
    TupleDesc desc;
    Tuplestorestate *store = begin_srf(fcinfo, &desc);
    if (desc->natts != kColumns)
        elog(ERROR, "pg_perfgate_connections_internal: declared with %d columns, expected %d", desc->natts,
             kColumns);
    if (conn_shared == nullptr)
        return;
    // Allocated before the lock is taken, for the most the table can hold.
    ConnEntry *copy =
        static_cast<ConnEntry *>(palloc_extended(sizeof(ConnEntry) * Max(guc_max_keys, 1), MCXT_ALLOC_HUGE));
    int n = 0;
    LWLockAcquire(conn_shared->lock, LW_SHARED);
    ConnTable t(conn_shared->table);
    t.for_each([&](const ConnEntry &e) { copy[n++] = e; });
    const int64 evictions = int64(t.evictions());
    LWLockRelease(conn_shared->lock);

    const Oid user = GetUserId();
    const bool all_stats = has_privs_of_role(user, ROLE_PG_READ_ALL_STATS);
    const TimestampTz now = GetCurrentTimestamp();
    for (int i = 0; i < n; i++)
    {
        ConnEntry &e = copy[i];
        roll(e, now);
        const bool visible = all_stats || has_privs_of_role(user, e.key.userid);
        const double ended = double(e.sessions_ended);
        Datum v[kColumns];
        bool nulls[kColumns];
        memset(nulls, 0, sizeof(nulls));
        v[0] = ObjectIdGetDatum(e.key.userid);
        v[1] = ObjectIdGetDatum(e.key.dbid);
        v[2] = CStringGetTextDatum(e.key.appname);
        v[3] = CStringGetTextDatum(e.key.client_addr);
        nulls[3] = !visible || e.key.client_addr[0] == '\0';
        v[4] = Int64GetDatum(e.sessions);
        v[5] = Int64GetDatum(e.sessions_ended);
        v[6] = Float8GetDatum(per_minute(e.started_now, e.started_prev, now));
        v[7] = Int64GetDatum(e.short_sessions);
        v[8] = Int64GetDatum(e.statements);
        v[9] = Float8GetDatum(ended > 0 ? double(e.statements) / ended : 0.0);
        nulls[9] = ended == 0;
        v[10] = Float8GetDatum(ended > 0 ? e.session_ms / ended : 0.0);
        nulls[10] = ended == 0;
        v[11] = Float8GetDatum(e.max_session_ms);
        v[12] = Float8GetDatum(e.idle_ms);
        v[13] = Float8GetDatum(e.max_idle_ms);
        v[14] = Int64GetDatum(e.idle_gaps);
        v[15] = Float8GetDatum(e.longest_xact_ms);
        v[16] = TimestampTzGetDatum(e.first_seen);
        v[17] = TimestampTzGetDatum(e.last_seen);
        v[18] = Int64GetDatum(evictions);
        tuplestore_putvalues(store, desc, v, nulls);
    }
    pfree(copy);
}

} // namespace

} // namespace pgpf

PGPF_FUNCTION(pg_perfgate_connections_internal)
{
    pgpf::connection_rows(fcinfo);
    return (Datum)0;
}
