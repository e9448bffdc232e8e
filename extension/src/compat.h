/*
 * compat.h — every PostgreSQL version difference pg_perfgate depends on, for PostgreSQL 14 to 18.
 *
 * One commented block per API. The rest of the code uses only the PGPF_* names defined here and
 * never tests PG_VERSION_NUM itself. 15, 17 and 18 are built and tested by .ci/run
 * (scripts/majors.sh); the 14 and 16 branches are written from those releases' headers, untested.
 */
#pragma once

#if PG_VERSION_NUM < 140000 || PG_VERSION_NUM >= 190000
#error "pg_perfgate supports PostgreSQL 14 to 18"
#endif

/*
 * Query jumbling (core query ids, JumbleState, CleanQuerytext, EnableQueryId) moved from
 * utils/queryjumble.h to nodes/queryjumble.h in 16.
 */
extern "C"
{
#if PG_VERSION_NUM >= 160000
#include "nodes/queryjumble.h"
#else
#include "utils/queryjumble.h"
#endif
}

/*
 * Constant locations of the JumbleState (for normalized texts), from 18: a location may be a whole
 * list of constants squashed into one (its length already known: the text shows "$n", then a
 * comment that stands for the rest of the list),
 * or a PARAM_EXTERN parameter (a PL/pgSQL variable, a client's $1), which keeps its own text unless
 * the query has squashed lists (then every location is numbered anew), as pg_stat_statements 1.12
 * prints them. Before 18 neither exists.
 */
#if PG_VERSION_NUM >= 180000
#define PGPF_LOCATION_SQUASHED(l) ((l).squashed)
#define PGPF_LOCATION_KEEPS_TEXT(jstate, l) ((l).extern_param && !(jstate)->has_squashed_lists)
#else
#define PGPF_LOCATION_SQUASHED(l) false
#define PGPF_LOCATION_KEEPS_TEXT(jstate, l) false
#endif

/*
 * ExplainState and NewExplainState() moved to commands/explain_state.h in 18, and
 * ExplainBeginOutput()/ExplainEndOutput() to commands/explain_format.h.
 */
#if PG_VERSION_NUM >= 180000
extern "C"
{
#include "commands/explain_format.h"
#include "commands/explain_state.h"
}
#endif

/*
 * ExecutorRun lost its execute_once argument in 18. PGPF_EXECUTOR_RUN_ARGS is the hook's parameter
 * list and PGPF_EXECUTOR_RUN_PASS the arguments to pass on.
 */
#if PG_VERSION_NUM >= 180000
#define PGPF_EXECUTOR_RUN_ARGS QueryDesc *queryDesc, ScanDirection direction, uint64 count
#define PGPF_EXECUTOR_RUN_PASS queryDesc, direction, count
#else
#define PGPF_EXECUTOR_RUN_ARGS QueryDesc *queryDesc, ScanDirection direction, uint64 count, bool execute_once
#define PGPF_EXECUTOR_RUN_PASS queryDesc, direction, count, execute_once
#endif

/*
 * Query ids (Query.queryId, PlannedStmt.queryId, the JumbleState's) are uint64 until 17 and int64
 * from 18. pg_perfgate keeps them as uint64 and converts with uint64(...) where it compares one
 * with a PostgreSQL field, which is right on every version: no macro needed.
 *
 * ExecutorStart_hook: 18's betas made it return bool (plan invalidation during start); that was
 * reverted before 18.0, and 18's hook is void as before (checked against 18.x's executor.h).
 */

/*
 * shmem_request_hook appeared in 15; before it, shared memory and LWLocks are requested directly in
 * _PG_init. PGPF_HAVE_SHMEM_REQUEST_HOOK says which way to go.
 */
#if PG_VERSION_NUM >= 150000
#define PGPF_HAVE_SHMEM_REQUEST_HOOK 1
#else
#define PGPF_HAVE_SHMEM_REQUEST_HOOK 0
#endif

/*
 * Block I/O timing fields of BufferUsage: 14 has blk_read_time/blk_write_time (shared and local
 * blocks together); 15 adds the temp_* pair; 17 splits them into shared_blk_*_time and
 * local_blk_*_time. PGPF_BLK_*_TIME is blk_*_time until 16 and the shared time from 17, where
 * PGPF_LOCAL_BLK_*_TIME is the local one (0 before): each major's view shows them under that
 * major's pg_stat_statements names (blk_read_time; shared_blk_read_time and local_blk_read_time).
 */
#if PG_VERSION_NUM >= 170000
#define PGPF_BLK_READ_TIME(b) INSTR_TIME_GET_MILLISEC((b).shared_blk_read_time)
#define PGPF_BLK_WRITE_TIME(b) INSTR_TIME_GET_MILLISEC((b).shared_blk_write_time)
#define PGPF_LOCAL_BLK_READ_TIME(b) INSTR_TIME_GET_MILLISEC((b).local_blk_read_time)
#define PGPF_LOCAL_BLK_WRITE_TIME(b) INSTR_TIME_GET_MILLISEC((b).local_blk_write_time)
#else
#define PGPF_BLK_READ_TIME(b) INSTR_TIME_GET_MILLISEC((b).blk_read_time)
#define PGPF_BLK_WRITE_TIME(b) INSTR_TIME_GET_MILLISEC((b).blk_write_time)
#define PGPF_LOCAL_BLK_READ_TIME(b) 0.0
#define PGPF_LOCAL_BLK_WRITE_TIME(b) 0.0
#endif

/*
 * WalUsage.wal_buffers_full (WAL written because the WAL buffers were full) appeared in 18.
 */
#if PG_VERSION_NUM >= 180000
#define PGPF_WAL_BUFFERS_FULL(w) ((w).wal_buffers_full)
#else
#define PGPF_WAL_BUFFERS_FULL(w) INT64CONST(0)
#endif

/*
 * Parallel workers an execution planned to launch and launched: EState fields from 18, which
 * pg_stat_statements 1.12 sums per statement. 0 before.
 */
#if PG_VERSION_NUM >= 180000
#define PGPF_PARALLEL_WORKERS_TO_LAUNCH(estate) ((int64)(estate)->es_parallel_workers_to_launch)
#define PGPF_PARALLEL_WORKERS_LAUNCHED(estate) ((int64)(estate)->es_parallel_workers_launched)
#else
#define PGPF_PARALLEL_WORKERS_TO_LAUNCH(estate) INT64CONST(0)
#define PGPF_PARALLEL_WORKERS_LAUNCHED(estate) INT64CONST(0)
#endif

/*
 * JIT tuple-deforming time: JitInstrumentation.deform_counter from 17 (also counted in the
 * generation time there); until 16 it is only part of the generation time, so 0 here.
 */
#if PG_VERSION_NUM >= 170000
#define PGPF_JIT_DEFORM_TIME(j) INSTR_TIME_GET_MILLISEC((j).deform_counter)
#else
#define PGPF_JIT_DEFORM_TIME(j) 0.0
#endif

#if PG_VERSION_NUM >= 150000
#define PGPF_TEMP_BLK_READ_TIME(b) INSTR_TIME_GET_MILLISEC((b).temp_blk_read_time)
#define PGPF_TEMP_BLK_WRITE_TIME(b) INSTR_TIME_GET_MILLISEC((b).temp_blk_write_time)
#else
#define PGPF_TEMP_BLK_READ_TIME(b) 0.0
#define PGPF_TEMP_BLK_WRITE_TIME(b) 0.0
#endif

/*
 * Utility statements that pg_stat_statements leaves to the statement they run (EXECUTE, PREPARE)
 * or ignores (DEALLOCATE). Same list in 14 to 18; kept here so that both extensions keep agreeing.
 */
#define PGPF_HANDLED_UTILITY(n)                                                                              \
    (!IsA((n), ExecuteStmt) && !IsA((n), PrepareStmt) && !IsA((n), DeallocateStmt))

/*
 * Rows of an execution: 17 added es_total_processed, which counts every ExecutorRun call of a
 * portal fetched in pieces; before it pg_stat_statements reads es_processed, and so do we.
 */
#if PG_VERSION_NUM >= 170000
#define PGPF_ROWS_PROCESSED(estate) ((estate)->es_total_processed)
#else
#define PGPF_ROWS_PROCESSED(estate) ((estate)->es_processed)
#endif

/*
 * Reserving the GUC prefix: MarkGUCPrefixReserved() in 15, EmitWarningsOnPlaceholders() before.
 */
#if PG_VERSION_NUM >= 150000
#define PGPF_RESERVE_GUC_PREFIX(p) MarkGUCPrefixReserved(p)
#else
#define PGPF_RESERVE_GUC_PREFIX(p) EmitWarningsOnPlaceholders(p)
#endif

/*
 * A setting's record (its group, its canonical name) by name: find_option() is exported from 16;
 * before, a walk of get_guc_variables() (only at a SET, which is rare). NULL when there is none.
 */
#if PG_VERSION_NUM >= 160000
#define PGPF_FIND_GUC(name) find_option((name), false, true, ERROR)
#else
static inline struct config_generic *pgpf_find_guc(const char *name)
{
    struct config_generic **vars = get_guc_variables();
    const int n = GetNumConfigOptions();
    for (int i = 0; i < n; i++)
        if (pg_strcasecmp(vars[i]->name, name) == 0)
            return vars[i];
    return NULL;
}
#define PGPF_FIND_GUC(name) pgpf_find_guc(name)
#endif

/*
 * The backend's local transaction id: MyProc->lxid until 16, MyProc->vxid.lxid from 17.
 */
#if PG_VERSION_NUM >= 170000
#define PGPF_LOCAL_XID() (MyProc->vxid.lxid)
#else
#define PGPF_LOCAL_XID() (MyProc->lxid)
#endif

/*
 * The i-th backend (1-based) of the snapshot pg_stat_activity reads in this transaction: 16 renamed
 * the function.
 */
#if PG_VERSION_NUM >= 160000
#define PGPF_LOCAL_BEENTRY(i) pgstat_get_local_beentry_by_index(i)
#else
#define PGPF_LOCAL_BEENTRY(i) pgstat_fetch_stat_local_beentry(i)
#endif

/*
 * now - start in nanoseconds, for two instr_time readings. From 16 instr_time is an int64 of ticks
 * (INSTR_TIME_GET_NANOSEC converts an interval); until 15 it is a struct timespec on every platform
 * but Windows (which PostgreSQL 15 builds of this extension do not target), where the arithmetic
 * is done here rather than with INSTR_TIME_ACCUM_DIFF's normalizing loops.
 */
#if PG_VERSION_NUM >= 160000
#define PGPF_INSTR_DIFF_NS(now, start)                                                                       \
    ((int64)INSTR_TIME_GET_NANOSEC(now) - (int64)INSTR_TIME_GET_NANOSEC(start))
#elif !defined(WIN32)
#define PGPF_INSTR_DIFF_NS(now, start)                                                                       \
    (((int64)(now).tv_sec - (int64)(start).tv_sec) * INT64CONST(1000000000) +                                \
     ((int64)(now).tv_nsec - (int64)(start).tv_nsec))
#else
#define PGPF_INSTR_DIFF_NS(now, start)                                                                       \
    ((int64)((INSTR_TIME_GET_DOUBLE(now) - INSTR_TIME_GET_DOUBLE(start)) * 1e9))
#endif

/*
 * A uniform random number in [0, 1): pg_prng (15 and later) or random() (14). From 15 on, the top
 * 53 bits of pg_prng_uint64 scaled by 2^-53: what pg_prng_double gives, without its ldexp call.
 */
#if PG_VERSION_NUM >= 150000
#define PGPF_RANDOM_FRACTION()                                                                               \
    ((double)(pg_prng_uint64(&pg_global_prng_state) >> 11) * (1.0 / 9007199254740992.0))
#else
#define PGPF_RANDOM_FRACTION() ((double)random() / ((double)MAX_RANDOM_VALUE + 1))
#endif

/*
 * planstate_tree_walker's callback: declared `bool (*)()` until 15, a typed
 * planstate_tree_walker_callback (PlanState *, void *) from 16 (where planstate_tree_walker is a
 * macro that casts). Our walkers have the typed signature; before 16 it is cast through the
 * generic function-pointer type, which -Wcast-function-type accepts.
 */
#if PG_VERSION_NUM >= 160000
#define PGPF_PLANSTATE_WALKER(fn) (fn)
#else
#define PGPF_PLANSTATE_WALKER(fn) reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(fn))
#endif

/*
 * This backend's slot in a per-backend shared array of PGPF_MAX_BACKENDS() slots: MyBackendId
 * (1-based) until 16, MyProcNumber (0-based, also numbering auxiliary processes) from 17. The array's
 * length: MaxBackends, which before 15 is not yet known when a library is preloaded, so it is
 * computed as InitializeMaxBackends() does. Callers check the index against the length.
 */
#if PG_VERSION_NUM >= 170000
#define PGPF_MY_BACKEND_INDEX() ((int)MyProcNumber)
#else
#define PGPF_MY_BACKEND_INDEX() ((int)MyBackendId - 1)
#endif
#if PG_VERSION_NUM >= 150000
#define PGPF_MAX_BACKENDS() MaxBackends
#else
#define PGPF_MAX_BACKENDS()                                                                                  \
    (MaxConnections + autovacuum_max_workers + 1 + max_worker_processes + max_wal_senders)
#endif
