// activity.hpp — what each backend runs now (activity.cpp, which states the protocol): the query id
// and plan id of its current top-level statement, for the pg_perfgate_activity view.
#pragma once

#include "exec_state.hpp"
#include "pg.hpp"
#include "store.hpp"

namespace pgpf
{

void activity_shmem_request();
void activity_shmem_startup();
// A statement running for the first time (no store entry yet) publishes its plan text and query
// group for the view while it runs; activity_unpublish() when it ends or its transaction aborts.
// activity_known(): whether this backend recorded (queryid, planid) for its role since the last
// reset, so that the store need not be asked (a direct-mapped memory of the keys it recorded: an
// entry evicted since only loses the view its plan for that run); activity_note_known() after
// recording.
namespace activity_detail
{
struct KnownKey
{
    uint64 queryid, planid;
    Oid userid;
};
constexpr int kKnown = 256;
extern KnownKey known[kKnown];
extern uint32 known_generation; // store_reset_generation when `known` was last valid
bool known_after_reset(uint64 queryid, uint64 planid);
inline KnownKey &known_slot(uint64 queryid, uint64 planid)
{
    return known[(queryid ^ planid ^ (planid >> 7)) % kKnown];
}
} // namespace activity_detail
// userid: the current role (GetUserId(), read once per statement by the caller).
inline bool activity_known(uint64 queryid, uint64 planid, Oid userid)
{
    using namespace activity_detail;
    const KnownKey &k = known_slot(queryid, planid);
    if (k.queryid != queryid || k.planid != planid)
        return false;
    if (unlikely(pg_atomic_read_u32(store_reset_generation) != known_generation))
        return known_after_reset(queryid, planid);
    return k.userid == userid;
}
void activity_note_known(uint64 queryid, uint64 planid);
void activity_publish_new(uint64 queryid, uint64 planid, uint64 query_group, const char *plan);
void activity_unpublish();
// A tracked top-level statement starts (its plan id known) / ends, or its transaction aborts (the
// failed statement never reaches ExecutorEnd; hooks.cpp's transaction callback calls it). A few
// stores into this backend's own cache line.
namespace activity_detail
{
// One backend's slot. Written only by its owner, changecount odd while it writes (activity.cpp).
struct ActivitySlot
{
    uint32 changecount;
    int32 pid;
    Oid userid;
    Oid dbid;
    uint64 queryid; // 0: nothing tracked running
    uint64 planid;
    TimestampTz statement_start;
};
extern ActivitySlot *mine; // this backend's, once known
extern bool mine_busy;     // it holds a statement (so that clearing twice writes nothing)
extern bool text_busy;     // its text slot holds a first execution's plan
ActivitySlot *attach();    // finds this backend's slot; NULL before shared memory is there
template <typename F> inline void write_slot(ActivitySlot *s, F &&fill)
{
    s->changecount++;
    pg_write_barrier();
    fill(s);
    pg_write_barrier();
    s->changecount++;
}
} // namespace activity_detail

// At ExecutorStart of a top-level statement, after the hook's exec_note_statement_start(): the
// statement timestamp is the one it noted. The slot's pid and database are this backend's for its life,
// written once by attach().
inline void activity_start(uint64 queryid, uint64 planid, Oid userid)
{
    using namespace activity_detail;
    ActivitySlot *s = mine != nullptr ? mine : attach();
    if (s == nullptr)
        return;
    const TimestampTz start = exec_detail::nesting_message;
    write_slot(s,
               [&](ActivitySlot *w)
               {
                   w->userid = userid;
                   w->queryid = queryid;
                   w->planid = planid;
                   w->statement_start = start;
               });
    mine_busy = true;
}
inline void activity_end()
{
    using namespace activity_detail;
    if (!mine_busy)
        return;
    mine_busy = false;
    write_slot(mine, [](ActivitySlot *w) { w->queryid = 0; });
    if (unlikely(text_busy))
        activity_unpublish();
}

} // namespace pgpf
