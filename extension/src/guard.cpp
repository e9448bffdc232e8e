// guard.cpp — the out-of-line half of guard.hpp: the message buffer and the ereport that follows a
// caught C++ exception.
#include "guard.hpp"

namespace pgpf
{

char guard_message[256];

void raise_cpp_error(const char *where, const char *what)
{
    ereport(ERROR,
            (errcode(ERRCODE_INTERNAL_ERROR), errmsg("pg_perfgate: C++ exception in %s: %s", where, what)));
    pg_unreachable();
}

} // namespace pgpf
