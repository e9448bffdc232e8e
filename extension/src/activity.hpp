// activity.hpp — what each backend runs now (activity.cpp, which states the protocol): the query id
// and plan id of its current top-level statement, for the pg_perfgate_activity view.
#pragma once

#include "pg.hpp"

namespace pgpf
{

void activity_shmem_request();
void activity_shmem_startup();
// A tracked top-level statement starts (its plan id known) / ends, or its transaction aborts (the
// failed statement never reaches ExecutorEnd; hooks.cpp's transaction callback calls it). A few
// stores into this backend's own cache line.
void activity_start(uint64 queryid, uint64 planid);
void activity_end();

} // namespace pgpf
