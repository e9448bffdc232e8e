// Burst detection for the anti-pattern detectors, PG-free: N+1 loops (the same small SELECT again and
// again) and row-by-row writes (the same single-row INSERT/UPDATE/DELETE again and again).
//
// One tracker per backend. observe() is fed every recorded execution and does O(1) work: a burst is
// a run of executions of one query id that the caller judged could be part of a loop (for a SELECT:
// a lookup by key, not a batch; see detect.cpp), writes returning at most 1 row. How many rows a
// lookup returns does not matter (a lazy collection load returns up to hundreds), unless the
// optional `max_rows` cap is set. A burst crosses a transaction boundary only when the idle gap
// between the end of one execution and the start of the next is at most `window_ms`: the overhead
// of one ORM loop iteration, not the pause between two requests of a pooled connection. A longer
// pause is forgiven when the loop resumes with no other statement in between (a garbage
// collection in the client, a descheduled process) and it is the burst's first pause or the loop
// has kept the tight rhythm for kRhythm gaps since the last one (a loop over a parent's rows: any
// pause up to kParentPause windows): independent requests, each pause
// long or each starting with statements of their own, never look like that. A session boundary (a pool's
// DISCARD ALL, RESET ALL, SET ROLE ...) ends every burst. Up to kSlots bursts are followed at once, so loops
// that interleave two or three lookups (a parent's customer, then its items) are still seen. A burst's parent
// is the statement that ran just before it began (another query id); the parent's row count, when known,
// tells whether the burst length matches it. A burst inside a function (a deeper nesting level) ends when the
// statement that called it ends, so two calls of a looping function are two bursts, however close together.
//
// Reports are emitted when a burst reaches its threshold (a new occurrence: the moment to warn or
// raise), each time it doubles after that (so an endless burst shows up while it lasts), and when it
// ends (the rest of its calls and time). Each report carries deltas, so summing them is exact.
//
// What a burst of lookups is evidence of (BurstClass), decided when it reaches its threshold:
//  - a loop over a parent's rows (n_plus_one): the burst began right after a parent statement of the same
//    session that returned at least as many rows as the burst has calls, or is still running (a cursor or
//    PL/pgSQL FOR loop driving it). Lookups interleaved in one loop (a row's customer, then its items) share
//    the parent. The parent running again ends the burst: that is the next request.
//  - one lookup per id from the client (per_id_lookup_loop): no parent row source, the whole burst inside
//    one transaction (a request that loops), so it is bounded.
//  - a steady stream: no parent row source and the burst crossed transactions. Independent requests of a
//    load generator or of a pooled service look exactly like that, so it is never reported.
// A burst crosses a transaction boundary only when that transaction held nothing but this burst's own
// statements (a loop in autocommit mode; a request's transaction, like pgbench's tpcb-like one, holds
// others), and a burst of writes only when nothing else ran between two of its executions.
#pragma once

#include <cstdint>

namespace pgpf
{

enum class BurstKind : uint8_t
{
    None = 0,
    NPlusOne = 1, // small SELECTs
    RowByRow = 2  // single-row writes
};

// Plain ints, so that the server's settings can point straight at the fields.
struct BurstConfig
{
    int select_threshold; // executions that make an N+1 loop; <= 0 disables
    int write_threshold;  // executions that make a row-by-row write burst; <= 0 disables
    int max_rows;         // most rows one N+1 execution may return; <= 0: no cap (the default)
    int window_ms;        // longest idle gap between two executions of a burst in different transactions
};

struct Execution
{
    uint64_t queryid;
    BurstKind kind; // what this execution could be part of; None for anything else
    int64_t rows;
    double ms;
    int64_t now_us; // when it started; it ended about ms later
    uint64_t xact;  // transaction identity; equal values mean the same transaction
    int32_t level;  // nesting level: a loop in a function runs one level below its caller
};

// What a burst is evidence of; see the header.
enum class BurstClass : uint8_t
{
    Pending = 0,    // below its threshold
    ParentLoop = 1, // lookups: one per row of the parent (n_plus_one)
    IdLoop = 2,     // lookups: one per id from the client, inside one transaction (per_id_lookup_loop)
    Stream = 3,     // lookups: no evidence of a loop; never reported
    Writes = 4      // single-row writes (row_by_row_write)
};

struct BurstReport
{
    BurstKind kind;
    BurstClass cls;
    uint64_t queryid;
    uint64_t parent_queryid; // 0 when none was seen
    int64_t parent_rows;     // -1 when not known
    int64_t calls;           // executions not reported before
    double ms;               // their time
    int64_t burst_len;       // the burst's length so far
    int64_t rows_min;        // rows per call over the whole burst so far
    int64_t rows_max;
    int64_t rows_sum;    // rows_sum / burst_len is the mean
    bool new_occurrence; // the burst has just reached its threshold
};

class BurstTracker
{
  public:
    static constexpr int kSlots = 4;
    static constexpr int kRhythm = 3;       // tight gaps in a row after which one long pause is forgiven
    static constexpr int kParentPause = 20; // windows a loop driven by a parent may pause (observe_slow)
    static constexpr int kMaxReports = kSlots + 2; // observe() emits at most this many

    void reset();
    // Feeds one execution; writes up to kMaxReports reports to out and returns how many.
    int observe(const Execution &e, const BurstConfig &cfg, BurstReport *out)
    {
        if (observe_quick(e, cfg))
            return 0;
        return observe_slow(e, cfg, out);
    }
    // observe()'s usual case, inline: the burst of the last execution goes on and no report is due.
    // Returns false, having changed nothing, otherwise; the caller then calls observe() (out of
    // line, where the reports live), so that the usual case carries no report array.
    __attribute__((always_inline)) bool observe_quick(const Execution &e, const BurstConfig &cfg)
    {
        Slot &s = slots_[last_];
        const int64_t count = s.count + 1;
        const int64_t t = threshold(s, cfg);
        if (s.queryid == e.queryid && s.going == e.kind && s.level == e.level && e.level >= deepest_ &&
            eligible(e, cfg) &&
            (s.xact == e.xact ||
             (may_cross(s) && e.now_us - s.last_end_us <= int64_t(cfg.window_ms) * 1000)) &&
            (count < t || (count > t && count != 2 * s.reported)))
        {
            add_quick(s, e);
            // note_statement(e.queryid, e.rows, e.level) for an execution that ended (rows >= 0): its start
            // was noted, so it is the most recent statement unless another started meanwhile.
            if (e.queryid != 0)
            {
                if (e.queryid == recent_[0].queryid)
                    recent_[0].rows = e.rows;
                else
                {
                    recent_[1] = recent_[0];
                    recent_[0] = Recent{e.queryid, e.rows, e.level};
                }
                if (awaiting_rows_ > 0 && may_be_parent(e.queryid))
                    note_rows_slow(e.queryid, e.rows);
            }
            return true;
        }
        return false;
    }
    // A statement has started in transaction xact (detect.cpp calls this at ExecutorStart and for
    // utility statements): tracks whether the transaction holds anything but one statement, and
    // ends the bursts whose parent runs again (a new request).
    __attribute__((always_inline)) void start(uint64_t queryid, uint64_t xact, int32_t level)
    {
        if (xact != cur_xact_)
        {
            if (cur_mixed_)
                mark_mixed_slow();
            cur_xact_ = xact;
            cur_qid_ = queryid;
            cur_mixed_ = false;
        }
        else if (queryid != cur_qid_)
            cur_mixed_ = true;
        if (may_be_parent(queryid) && queryid != 0)
            parent_ran_slow(queryid);
        note_statement(queryid, -1, level);
    }
    // A statement that may be the parent of a burst has started (rows < 0) or ended with `rows`
    // rows. A PL/pgSQL FOR loop's query ends after the loop it drove: its rows then reach the
    // bursts it is the parent of.
    __attribute__((always_inline)) void note_statement(uint64_t queryid, int64_t rows, int32_t level)
    {
        if (queryid == 0)
            return;
        starts_ += rows < 0;
        if (queryid != recent_[0].queryid)
        {
            recent_[1] = recent_[0];
            recent_[0] = Recent{queryid, rows, level};
        }
        else
            recent_[0].rows = rows; // running again (-1), or its rows
        if (rows >= 0 && awaiting_rows_ > 0 && may_be_parent(queryid))
            note_rows_slow(queryid, rows);
    }
    // A statement at nesting level `level` has ended: bursts of statements nested deeper (the
    // loop of the function it called) are over. Up to kSlots reports.
    int end_level(int32_t level, const BurstConfig &cfg, BurstReport *out);
    // Ends every open burst (end of session, or before the views are read); up to kSlots reports.
    int flush(const BurstConfig &cfg, BurstReport *out) { return end_level(-1, cfg, out); }
    // The connection now serves someone else (a pool's reset statement): every burst ends and no
    // statement seen so far can be the parent of a later one. Up to kSlots reports.
    int session_boundary(const BurstConfig &cfg, BurstReport *out)
    {
        const int n = flush(cfg, out);
        recent_[0] = recent_[1] = Recent{0, -1, 0};
        cur_mixed_ = true; // what ran before the reset is not part of a loop after it
        return n;
    }

  private:
    struct Slot
    {
        uint64_t queryid;
        uint64_t parent;
        int64_t parent_rows;
        uint64_t alt_parent; // the parent of the lookup it came right after (a second lookup of one loop)
        int64_t alt_parent_rows;
        int64_t count;
        int64_t reported;
        double ms;
        double reported_ms;
        int64_t last_end_us; // when the last execution ended
        int64_t rows_min;
        int64_t rows_max;
        int64_t rows_sum;
        uint64_t xact;
        uint64_t last_start; // starts_ when its last execution started; also the least-recently-used stamp
        int32_t tight_run; // executions in a row joined by tight gaps (or one transaction), this one included
        int32_t level;
        int32_t parent_level;
        BurstKind kind;
        BurstClass cls;
        bool active;
        bool broken; // its parent ran again: the next execution starts a new burst
        BurstKind
            going;  // kind while active and not broken, None otherwise: observe_quick's one test of the three
        bool mixed; // the transaction of its last execution held other statements
        bool crossed; // it has continued in another transaction
    };

    // Whether queryid may be the parent (or second parent) of an active burst: false only when it is
    // none, so that the statements of a transaction whose loop has a parent (BEGIN, a lookup, COMMIT)
    // skip the slot scans that look for it. A bit per query id's low six bits, set when a burst starts,
    // rebuilt from the active bursts by parent_ran_slow().
    static uint64_t parent_bit(uint64_t queryid) { return uint64_t{1} << (queryid & 63); }
    bool may_be_parent(uint64_t queryid) const { return (parent_bits_ & parent_bit(queryid)) != 0; }
    // Whether s may continue in another transaction (the idle gap aside): see the header.
    bool may_cross(const Slot &s) const
    {
        return !s.mixed &&
               (s.kind == BurstKind::NPlusOne ? s.cls != BurstClass::IdLoop : starts_ - s.last_start == 1);
    }
    void mark_mixed_slow();
    void parent_ran_slow(uint64_t queryid);
    // Whether a parent drove a loop of `count` lookups at `level`: it returned at least that many
    // rows, or it is still running at that level (a cursor or a PL/pgSQL FOR loop over its rows; a
    // function's caller, one level up, is not a row source).
    static bool drove(uint64_t parent, int64_t rows, int32_t parent_level, int32_t level, int64_t count)
    {
        return parent != 0 && (rows < 0 ? parent_level == level : rows >= count);
    }
    // The class of a burst that has just reached its threshold (the second parent, when it is the one
    // that drove the loop, becomes the parent).
    BurstClass classify(Slot &s)
    {
        if (s.kind != BurstKind::NPlusOne)
            return BurstClass::Writes;
        if (drove(s.parent, s.parent_rows, s.parent_level, s.level, s.count))
            return BurstClass::ParentLoop;
        if (drove(s.alt_parent, s.alt_parent_rows, s.level, s.level, s.count))
        {
            if (s.parent != 0 && s.parent_rows < 0)
                awaiting_rows_--;
            s.parent = s.alt_parent;
            s.parent_rows = s.alt_parent_rows;
            if (s.parent_rows < 0)
                awaiting_rows_++;
            return BurstClass::ParentLoop;
        }
        return s.crossed ? BurstClass::Stream : BurstClass::IdLoop;
    }

    static int64_t threshold(const Slot &s, const BurstConfig &cfg)
    {
        return s.kind == BurstKind::NPlusOne ? cfg.select_threshold : cfg.write_threshold;
    }
    static bool eligible(const Execution &e, const BurstConfig &cfg)
    {
        return e.kind == BurstKind::NPlusOne
                   ? (cfg.max_rows <= 0 || e.rows <= cfg.max_rows) && cfg.select_threshold > 0
               : e.kind == BurstKind::RowByRow ? e.rows <= 1 && cfg.write_threshold > 0
                                               : false;
    }
    // Counts e in the burst s; pause: it came after a forgiven pause.
    void add(Slot &s, const Execution &e, bool pause)
    {
        s.rows_min = e.rows < s.rows_min ? e.rows : s.rows_min;
        s.rows_max = e.rows > s.rows_max ? e.rows : s.rows_max;
        s.rows_sum += e.rows;
        s.ms += e.ms;
        s.tight_run = pause ? 1 : s.tight_run + 1;
        s.crossed |= s.count > 0 && s.xact != e.xact;
        s.mixed = cur_mixed_;
        s.count++;
        s.last_start = starts_;
        s.last_end_us = e.now_us + int64_t(e.ms * 1000.0);
        s.xact = e.xact;
    }
    // add() for observe_quick(): the burst goes on with no pause (a tight gap or one transaction),
    // and already has an execution. Whether it crossed transactions matters only until it is
    // classified; a stream (never reported) keeps no rows or time, only what its next execution is
    // judged by.
    __attribute__((always_inline)) void add_quick(Slot &s, const Execution &e)
    {
        if (s.cls != BurstClass::Stream)
        {
            s.rows_min = e.rows < s.rows_min ? e.rows : s.rows_min;
            s.rows_max = e.rows > s.rows_max ? e.rows : s.rows_max;
            s.rows_sum += e.rows;
            s.ms += e.ms;
            if (s.cls == BurstClass::Pending)
                s.crossed |= s.xact != e.xact;
        }
        s.tight_run++;
        s.mixed = cur_mixed_;
        s.count++;
        s.last_start = starts_;
        s.last_end_us = e.now_us + int64_t(e.ms * 1000.0);
        s.xact = e.xact;
    }
    int observe_slow(const Execution &e, const BurstConfig &cfg, BurstReport *out);
    // Ends a burst, reporting what was not reported yet if it reached its threshold.
    bool finish(Slot &s, const BurstConfig &cfg, BurstReport *out);
    static BurstReport report(const Slot &s, bool new_occurrence);
    // Gives the bursts waiting for their parent's row count the rows it returned.
    void note_rows_slow(uint64_t queryid, int64_t rows);

    Slot slots_[kSlots];
    struct Recent
    {
        uint64_t queryid;
        int64_t rows; // -1 while running
        int32_t level;
    };
    Recent recent_[2];      // the last two distinct statements seen, most recent first
    uint64_t starts_;       // statements started (note_statement with rows < 0)
    int32_t deepest_;       // deepest level of an active burst (-1 when none): end_level's fast exit
    int32_t awaiting_rows_; // active bursts whose parent's row count is still unknown
    uint64_t parent_bits_;  // parent_bit() of the parents of the active bursts (and perhaps of ended ones)
    uint64_t burst_bits_;   // parent_bit() of the active bursts' queries (and perhaps of ended ones)
    int32_t last_;          // the slot used last
    uint64_t cur_xact_;     // the transaction of the last statement started
    uint64_t cur_qid_;      // its first statement
    bool cur_mixed_;        // it has held another statement than its first
};

} // namespace pgpf
