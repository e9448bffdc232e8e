// persist.hpp — saving the statistics at clean shutdown and loading them at start (persist.cpp).
#pragma once

#include "pg.hpp"

namespace pgpf
{

void persist_init(); // pg_perfgate.save, from _PG_init
// From the shmem startup hook, once every part's shared memory is attached: in the postmaster,
// loads the saved file and arranges for the save at shutdown.
void persist_startup();
void persist_save(int code, Datum arg);
void persist_load();

} // namespace pgpf
