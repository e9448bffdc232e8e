// normalize.hpp — query texts with constants replaced by $n, cached per backend (normalize.cpp).
#pragma once

#include "pg.hpp"

namespace pgpf
{

// At parse analysis: remembers the normalized text of a query id for the current role.
void remember_normalized_text(ParseState *pstate, Query *query, JumbleState *jstate);
// The query's text for storing: normalized if this backend saw it parsed for the role userid
// (InvalidOid: the current role; a statement's record passes the role it started as), otherwise
// the statement's own text. palloc'd in the current context; *len receives its length, *cut
// whether the cached text was already cut at pg_perfgate.query_text_size.
char *query_text_for(uint64 queryid, const char *source, int location, int length, int *len, bool *cut,
                     Oid userid = InvalidOid);
// The same text copied into buf (size bytes, NUL-terminated, cut at a character boundary) without
// allocating: for the error hook, where memory is scarce. Returns the bytes copied (0: none).
int copy_query_text(uint64 queryid, const char *source, int location, int length, char *buf, int size);
// The query group of the statement (core/query_group.hpp), from its whole normalized text when this
// backend saw it parsed, else from its own text; its query id when there is no text. Once per new
// store entry, never per execution.
uint64 query_group_for(uint64 queryid, const char *source, int location, int length);
// Bytes the per-backend text cache holds (for the backend-state function and its tests).
Size normalize_cache_bytes();

} // namespace pgpf
