// guard.cpp — the out-of-line half of guard.hpp: the message buffer, the ereport that follows a
// caught C++ exception, and the internal subtransaction that keeps a failing optional step (a plan
// text, a parameter's output function) from failing the user's statement.
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

SubxactResult in_subtransaction(void (*fn)(void *), void *arg, char **message)
{
    if (message != nullptr)
        *message = nullptr;
    if (!IsTransactionState() || IsInParallelMode())
        return SubxactResult::NotNow;
    MemoryContext caller = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    volatile bool failed = false;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(caller);
    PG_TRY();
    {
        fn(arg);
        ReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller);
        CurrentResourceOwner = owner;
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        if (message != nullptr)
        {
            ErrorData *edata = CopyErrorData();
            *message = edata->message;
        }
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller);
        CurrentResourceOwner = owner;
        failed = true;
    }
    PG_END_TRY();
    return failed ? SubxactResult::Failed : SubxactResult::Done;
}

} // namespace pgpf
