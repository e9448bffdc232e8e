// detect_spill.hpp — the temp_spill anti-pattern (detect_spill.cpp): sorts and hashes that wrote temporary
// files, with the node that spilled and the memory it would have needed.
#pragma once

#include "pg.hpp"

namespace pgpf
{

// At ExecutorEnd of a recorded execution that wrote temp blocks, before the executor's own
// ExecutorEnd (its nodes are still there to be asked).
void spill_check(QueryDesc *queryDesc, uint64 queryid, int64 temp_blks_written, double ms);

} // namespace pgpf
