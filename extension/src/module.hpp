// module.hpp — the settings every part reads (defined in module.cpp with _PG_init) and the rule
// that says which nesting levels are tracked.
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

extern int guc_max;
extern int guc_track;
extern bool guc_track_utility;
extern bool guc_track_planning;
extern bool guc_save;
extern int guc_query_text_size;
extern int guc_plan_text_size;
extern bool guc_plan_text;
extern int guc_max_antipatterns;

// Whether a statement at this nesting level is recorded (never in a parallel worker: the leader
// counts the workers' rows and buffers).
inline bool tracking(int level)
{
    return !IsParallelWorker() && (guc_track == TRACK_ALL || (guc_track == TRACK_TOP && level == 0));
}

} // namespace pgpf
