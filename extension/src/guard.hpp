// The C++/PostgreSQL boundary guard.
//
// Every extern "C" entry point (hooks, SQL functions, shared-memory callbacks) runs its body through
// pgpf::guarded(). A C++ exception is caught, its message copied into a fixed buffer, and only after
// the catch block has closed is ereport(ERROR) raised, so no exception object is alive while
// PostgreSQL longjmps. The body itself must not hold objects with non-trivial destructors across
// calls that can ereport: ereport(ERROR) leaves the frame by longjmp, which runs no destructor, so
// such an object would leak or leave its state half-changed. This guard is the safety net for the
// C++ the body does call (its definitions are in guard.cpp).
#pragma once

#include <exception>
#include <type_traits>

#include "pg.hpp"

namespace pgpf
{

[[noreturn]] void raise_cpp_error(const char *where, const char *what);

// Where the message of a caught exception waits for ereport: static, so that the guard puts no
// array (and so no stack-protector check) in every hook's frame. Backends are single-threaded.
extern char guard_message[256];

template <typename F>
inline __attribute__((always_inline)) auto guarded(const char *where, F &&body) -> decltype(body())
{
    char *message = guard_message;
    const size_t size = sizeof(guard_message);
    try
    {
        return body();
    }
    catch (const std::exception &e)
    {
        strlcpy(message, e.what(), size);
    }
    catch (...)
    {
        strlcpy(message, "unknown C++ exception", size);
    }
    raise_cpp_error(where, message);
}

} // namespace pgpf
