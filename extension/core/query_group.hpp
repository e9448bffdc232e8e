// The query group: a 64-bit key shared by statements that differ only in how many constants a list
// holds, PG-free.
//
// PostgreSQL 15 gives `WHERE id IN ($1, $2)` and `WHERE id IN ($1, $2, $3)` different query ids, so
// an ORM's one query shows up as dozens of rows. The group is a fingerprint of the statement's
// tokens in which every constant (a $n parameter, a number, a string) counts as one token and
//  - the list of `IN (...)` and of `ARRAY[...]`, when it holds constants only (possibly signed, cast
//    or in row constructors), counts as one "constant list" token, whatever its length;
//  - after VALUES, a row that has the same shape as the row before it adds nothing.
// Comments, white space and the case of unquoted words do not count. The text may be normalized
// ($n for constants) or not: both give the same group. Nothing here allocates or throws.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pgpf
{

// Never 0. len: bytes of text (no terminator needed).
uint64_t query_group(const char *text, size_t len);

} // namespace pgpf
