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

// Whether a statement at this nesting level is recorded (never in a parallel worker: the leader
// counts the workers' rows and buffers).
inline bool tracking(int level)
{
    return !IsParallelWorker() && (guc_track == TRACK_ALL || (guc_track == TRACK_TOP && level == 0));
}

} // namespace pgpf
