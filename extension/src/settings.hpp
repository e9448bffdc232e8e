// settings.hpp — the settings more than one part reads, and the rule that says which nesting levels
// are tracked. Each is defined, with its GUC, by the part that owns it: the sizes by store.cpp, the
// tracking switches by hooks.cpp. A setting only one part reads stays in that part's file.
#pragma once

#include "pg.hpp"

namespace pgpf
{

enum TrackLevel
{
    TRACK_NONE,
    TRACK_TOP,
    TRACK_ALL
};

// hooks.cpp
extern int guc_track;
extern bool guc_track_utility;
extern bool guc_track_planning;
extern bool guc_plan_text;
// store.cpp
extern int guc_max;
extern int guc_query_text_size;
extern int guc_plan_text_size;

// The rule: a statement is recorded at the nesting levels below this bound: none with track = none,
// level 0 with top, all with all, and none in a parallel worker (the leader counts the workers'
// rows and buffers). Worked out by track_bound_refresh() whenever what it depends on may have
// changed, not per statement: pg_perfgate.track's assign hook (SET, a role's setting, the rollback of
// a SET, a parallel worker restoring the leader's settings), a process's first hook and each
// re-check of a possibly stale nesting level (exec_sync_message(), exec_state.cpp); the first hook
// is how a parallel worker, forked with the postmaster's bound, gets its own before its first
// statement.
extern int track_bound;
inline int track_bound_for(int track)
{
    if (IsParallelWorker())
        return 0;
    return track == TRACK_ALL ? INT_MAX : track == TRACK_TOP ? 1 : 0;
}
inline void track_bound_refresh()
{
    track_bound = track_bound_for(guc_track);
}

// Whether a statement at this nesting level is recorded.
inline bool tracking(int level)
{
    return level < track_bound;
}

} // namespace pgpf
