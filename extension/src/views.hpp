// views.hpp — what the SQL functions of every module share (views.cpp).
#pragma once

#include "pg.hpp"

namespace pgpf
{

// Prepares a materialized set-returning call and returns its tuple store; *desc receives the
// declared result row. Works the same on every supported version.
Tuplestorestate *begin_srf(FunctionCallInfo fcinfo, TupleDesc *desc);

} // namespace pgpf
