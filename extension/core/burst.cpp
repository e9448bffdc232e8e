// The burst state machine; see burst.hpp for what a burst is and when it is reported.
#include "burst.hpp"

#include <cstring>

namespace pgpf
{

void BurstTracker::reset()
{
    std::memset(static_cast<void *>(this), 0, sizeof(*this));
    deepest_ = -1;
}

void BurstTracker::note_rows_slow(uint64_t queryid, int64_t rows)
{
    for (Slot &s : slots_)
    {
        if (s.active && s.parent == queryid && s.parent_rows < 0)
        {
            s.parent_rows = rows;
            awaiting_rows_--;
        }
        if (s.active && s.alt_parent == queryid && s.alt_parent_rows < 0)
            s.alt_parent_rows = rows;
    }
}

void BurstTracker::mark_mixed_slow()
{
    for (Slot &s : slots_)
        if (s.xact == cur_xact_ && s.active)
            s.mixed = true;
}

void BurstTracker::parent_ran_slow(uint64_t queryid)
{
    uint64_t bits = 0;
    for (Slot &s : slots_)
    {
        // A second lookup of a loop comes after the first, which runs again and again: only the loop's
        // parent running again is the next request.
        if (s.active && (s.alt_parent != 0 ? s.alt_parent == queryid : s.parent == queryid))
        {
            s.broken = true;
            s.going = BurstKind::None;
        }
        if (s.active)
            bits |= (s.parent != 0 ? parent_bit(s.parent) : 0) |
                    (s.alt_parent != 0 ? parent_bit(s.alt_parent) : 0);
    }
    parent_bits_ = bits; // without the bursts that ended since
}

BurstReport BurstTracker::report(const Slot &s, bool new_occurrence)
{
    BurstReport r;
    r.kind = s.kind;
    r.cls = s.cls;
    r.queryid = s.queryid;
    r.parent_queryid = s.parent;
    r.parent_rows = s.parent_rows;
    r.calls = s.count - s.reported;
    r.ms = s.ms - s.reported_ms;
    r.burst_len = s.count;
    r.rows_min = s.rows_min;
    r.rows_max = s.rows_max;
    r.rows_sum = s.rows_sum;
    r.new_occurrence = new_occurrence;
    return r;
}

bool BurstTracker::finish(Slot &s, const BurstConfig &cfg, BurstReport *out)
{
    const int64_t t = threshold(s, cfg);
    const bool emit =
        s.active && t > 0 && s.count >= t && s.count > s.reported && s.cls != BurstClass::Stream;
    if (emit)
        *out = report(s, false);
    if (s.active && s.parent != 0 && s.parent_rows < 0)
        awaiting_rows_--;
    s.active = false;
    s.going = BurstKind::None;
    return emit;
}

int BurstTracker::end_level(int32_t level, const BurstConfig &cfg, BurstReport *out)
{
    int n = 0;
    if (level >= deepest_)
        return 0;
    deepest_ = -1;
    for (Slot &s : slots_)
    {
        if (s.active && s.level > level && finish(s, cfg, &out[n]))
            n++;
        if (s.active && s.level > deepest_)
            deepest_ = s.level;
    }
    return n;
}

int BurstTracker::observe_slow(const Execution &e, const BurstConfig &cfg, BurstReport *out)
{
    // This statement ending means the loops nested below its level are over.
    int n = e.level < deepest_ ? end_level(e.level, cfg, out) : 0;
    const bool eligible = BurstTracker::eligible(e, cfg);
    // Usually the same query as last time: look there first.
    Slot *s = &slots_[last_];
    if (!(s->active && s->queryid == e.queryid))
    {
        s = nullptr;
        for (Slot &c : slots_)
            if (c.queryid == e.queryid && c.active)
                s = &c;
    }

    const bool pause =
        s != nullptr && s->xact != e.xact && e.now_us - s->last_end_us > int64_t(cfg.window_ms) * 1000;
    // A pause is forgiven after kRhythm tight gaps in a row when only this execution has started
    // since the burst's last one: nothing else ran in the pause. A loop driven by a parent's rows
    // may pause longer (a client busy building the objects of the rows in between, a loaded
    // machine), up to kParentPause windows, again with nothing else in between.
    const bool forgiven = pause && starts_ - s->last_start <= 1 &&
                          (s->tight_run > kRhythm ||
                           (e.now_us - s->last_end_us <= int64_t(cfg.window_ms) * 1000 * kParentPause &&
                            (drove(s->parent, s->parent_rows, s->parent_level, s->level, s->count + 1) ||
                             drove(s->alt_parent, s->alt_parent_rows, s->level, s->level, s->count + 1))));
    if (s != nullptr && (!eligible || s->broken || s->kind != e.kind || s->level != e.level ||
                         (s->xact != e.xact && (!may_cross(*s) || (pause && !forgiven)))))
    {
        // The burst is broken: not a lookup (or over the cap), its parent ran again, another nesting
        // level, or another transaction that it may not continue in (see burst.hpp).
        if (finish(*s, cfg, &out[n]))
            n++;
        s = nullptr;
    }
    if (!eligible)
    {
        note_statement(e.queryid, e.rows, e.level);
        return n;
    }

    if (s == nullptr)
    {
        // A new burst, in a free slot or in place of the least recently used one.
        Slot *victim = &slots_[0];
        for (Slot &c : slots_)
        {
            if (!c.active)
            {
                victim = &c;
                break;
            }
            if (c.last_start < victim->last_start)
                victim = &c;
        }
        if (victim->active && finish(*victim, cfg, &out[n]))
            n++;
        s = victim;
        std::memset(static_cast<void *>(s), 0, sizeof(*s));
        s->queryid = e.queryid;
        s->kind = e.kind;
        // The parent of a loop of lookups: the statement before it, unless it returned fewer rows than
        // a loop needs (BEGIN, a lookup, an UPDATE: then it is none, and running again ends nothing).
        const Recent &p = recent_[0].queryid != e.queryid ? recent_[0] : recent_[1];
        const int64_t t = threshold(*s, cfg);
        if (e.kind == BurstKind::NPlusOne && (p.rows < 0 || p.rows >= t))
        {
            s->parent = p.queryid;
            s->parent_rows = p.rows;
            s->parent_level = p.level;
        }
        // Right after a lookup of an open burst: perhaps a second lookup of the same loop, whose parent
        // it shares (classify() decides).
        // (The kind tested once; the slots scanned only when one may hold that query, a slot's query
        // first: it rules out the most.)
        if (e.kind == BurstKind::NPlusOne && (burst_bits_ & parent_bit(p.queryid)) != 0)
        {
            uint64_t bits = 0;
            for (const Slot &c : slots_)
            {
                if (c.queryid == p.queryid && &c != s && c.active && c.parent != 0 &&
                    c.kind == BurstKind::NPlusOne && c.level == e.level)
                {
                    s->alt_parent = c.parent;
                    s->alt_parent_rows = c.parent_rows;
                }
                if (c.active)
                    bits |= parent_bit(c.queryid);
            }
            burst_bits_ = bits; // without the bursts that ended since (s is not active yet)
        }
        if (s->parent != 0)
            parent_bits_ |= parent_bit(s->parent);
        if (s->alt_parent != 0)
            parent_bits_ |= parent_bit(s->alt_parent);
        s->level = e.level;
        s->rows_min = INT64_MAX;
        s->tight_run = kRhythm; // the burst's first pause may come early (add() counts this one)
        s->active = true;
        s->going = e.kind; // not None: e is eligible
        burst_bits_ |= parent_bit(s->queryid);
        if (s->parent != 0 && s->parent_rows < 0)
            awaiting_rows_++;
        if (e.level > deepest_)
            deepest_ = e.level;
    }
    last_ = int32_t(s - slots_);
    add(*s, e, pause);

    const int64_t t = threshold(*s, cfg);
    if (s->count == t)
        s->cls = classify(*s);
    if (n < kMaxReports && s->count >= t && (s->count == t || s->count == 2 * s->reported) &&
        s->cls != BurstClass::Stream)
    {
        out[n++] = report(*s, s->count == t);
        s->reported = s->count;
        s->reported_ms = s->ms;
    }
    note_statement(e.queryid, e.rows, e.level);
    return n;
}

} // namespace pgpf
