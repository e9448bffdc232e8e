// param_sample.hpp — sampled parameter values per statement entry, opt-in (param_sample.cpp states
// the layout, the locking and what is never done with the values).
#pragma once

#include "exec_state.hpp"
#include "pg.hpp"
#include "store.hpp"

namespace pgpf
{

// pg_perfgate.capture_params: off by default; read on the hot path, one compare per hook.
extern bool guc_capture_params;

// Its settings (from _PG_init, through module.cpp's table of the parts).
void param_sample_init();
void param_sample_shmem_request();
void param_sample_shmem_startup();

// At parse analysis, with capture_params on: where the statement's constants are, so that a sampled
// execution can take their values (the normalized text shows them as $n).
void param_sample_note_constants(ParseState *pstate, const Query *query, const JumbleState *jstate);
// At ExecutorEnd of a tracked statement, with capture_params on: maybe keeps this execution's values.
void param_sample_executor_end(QueryDesc *queryDesc, const Running *running);

// Drops the samples of one entry (the store evicted it) or of the entries matching the filter
// (pg_perfgate_reset(); 0 = any).
void param_sample_forget(const EntryKey &key);
void param_sample_reset(Oid userid, Oid dbid, uint64 queryid);

} // namespace pgpf
