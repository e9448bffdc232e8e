// srf.hpp — what every SQL-callable function uses (srf.cpp): PGPF_FUNCTION, which declares the
// function and runs its body inside guarded(), and begin_srf() for those that return a set.
//
//     PGPF_FUNCTION(pg_perfgate_errors_internal)
//     {
//         pgpf::errors_rows(fcinfo); // fcinfo, PG_GETARG_* and PG_NARGS work as in any V1 function
//         return (Datum)0;
//     }
#pragma once

#include "guard.hpp"
#include "pg.hpp"

namespace pgpf
{

// Prepares a materialized set-returning call and returns its tuple store; *desc receives the
// declared result row. Works the same on every supported version.
Tuplestorestate *begin_srf(FunctionCallInfo fcinfo, TupleDesc *desc);
// The declared result row of a function that returns one composite value.
TupleDesc result_row(FunctionCallInfo fcinfo);

} // namespace pgpf

// Defines the SQL-callable (version 1) function `name`; the braces that follow are its body, run
// through pgpf::guarded() so that no C++ exception reaches PostgreSQL. The body returns the Datum.
// Exported by name: the library is built with hidden visibility, and PostgreSQL 15 does not mark
// the function itself PGDLLEXPORT (only its info record).
#define PGPF_FUNCTION(name)                                                                                  \
    static Datum name##_body(FunctionCallInfo fcinfo);                                                       \
    extern "C"                                                                                               \
    {                                                                                                        \
        PG_FUNCTION_INFO_V1(name);                                                                           \
        PGDLLEXPORT Datum name(PG_FUNCTION_ARGS);                                                            \
    }                                                                                                        \
    Datum name(PG_FUNCTION_ARGS)                                                                             \
    {                                                                                                        \
        return pgpf::guarded(#name, [&] { return name##_body(fcinfo); });                                    \
    }                                                                                                        \
    static Datum name##_body(FunctionCallInfo fcinfo)
