// normalize.hpp — query texts with constants replaced by $n, cached per backend (normalize.cpp).
#pragma once

#include "pg.hpp"

namespace pgpf
{

// At parse analysis: remembers the normalized text of a query id for the current role.
void remember_normalized_text(ParseState *pstate, Query *query, JumbleState *jstate);
// The query's text for storing: normalized if this backend saw it parsed (for this role), otherwise
// the statement's own text. palloc'd in the current context; *len receives its length, *cut
// whether the cached text was already cut at pg_perfgate.query_text_size.
char *query_text_for(uint64 queryid, const char *source, int location, int length, int *len, bool *cut);
// Bytes the per-backend text cache holds (for the backend-state function and its tests).
Size normalize_cache_bytes();

} // namespace pgpf
