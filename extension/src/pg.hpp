// The one place that includes PostgreSQL's headers into C++.
//
// PostgreSQL's headers have no extern "C" guards, and port.h redefines printf-family functions, so
// every PG-aware file includes this header after any standard C++ header it needs, and uses
// elog/ereport/StringInfo/psprintf rather than the C library's formatting.
#pragma once

// The library is compiled with hidden visibility (Makefile): what PostgreSQL looks up in it
// (PG_MODULE_MAGIC, _PG_init, the SQL functions) is declared PGDLLEXPORT, which PostgreSQL 16 and later
// define as visible and 15 leaves empty.
#ifndef PGDLLEXPORT
#define PGDLLEXPORT __attribute__((visibility("default")))
#endif

// The per-statement hot path (the executor and planner hooks, and what they call on every
// statement): no stack-protector canary. Their frames hold fixed-size structs and scalars, never a
// buffer filled with a length from outside; the canary's load, store and check cost each of these
// functions about six instructions per call, a few dozen per point select (bench/README.md).
#define PGPF_HOT __attribute__((no_stack_protector))

extern "C"
{
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "commands/explain.h"
#include "common/hashfn.h"
#include "common/ip.h"
#include "executor/executor.h"
#include "executor/instrument.h"
#include "fmgr.h"
#include "jit/jit.h"
#include "libpq/libpq-be.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "parser/analyze.h"
#include "parser/parsetree.h"
#include "parser/scanner.h"
#include "pgstat.h"
#include "port/pg_crc32c.h"
#include "storage/bufmgr.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "tcop/pquery.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

#include "compat.h"
