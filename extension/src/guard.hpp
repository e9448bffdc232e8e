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

// Runs fn(arg) in an internal subtransaction, as PL/pgSQL runs a block with an EXCEPTION clause: an
// error inside is caught and rolled back, and does not fail the statement that is running. fn must
// leave its results in memory allocated in the caller's context (CurrentMemoryContext on entry, which
// is current again on return, with the caller's resource owner).
enum class SubxactResult
{
    Done,
    Failed, // fn raised an error; *message (when message is not null) has a copy of its text
    NotNow  // not run: no transaction, or parallel mode
};
// message: null to drop the error's text (it may quote a user's value), else where its palloc'd copy
// goes (in the caller's context).
SubxactResult in_subtransaction(void (*fn)(void *), void *arg, char **message);

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
