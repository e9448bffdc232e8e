/*
 * plan_text.cpp — the plan's shape as text: EXPLAIN with costs off, as a user would read it.
 *
 * Rendered only when a (query id, plan id) entry is created or still lacks its text, never per
 * execution. EXPLAIN looks things up in the catalogs and calls into other extensions' nodes, and
 * any of that may raise an error, which must not fail the statement that is ending: so the
 * rendering runs in an internal subtransaction (as PL/pgSQL runs an EXCEPTION block), and an error
 * is caught, rolled back and counted as a skipped plan text. The work happens in a memory context
 * of its own, deleted afterwards; the caller gets one palloc'd copy.
 */
#include "plan_text.hpp"

namespace pgpf
{

namespace
{

char *render(QueryDesc *queryDesc, MemoryContext into)
{
    MemoryContext work =
        AllocSetContextCreate(CurrentMemoryContext, "pg_perfgate plan text", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(work);

    ExplainState *es = NewExplainState();
    es->analyze = false;
    es->costs = false;
    es->verbose = false;
    es->buffers = false;
    es->timing = false;
    es->summary = false;
    es->format = EXPLAIN_FORMAT_TEXT;
    ExplainBeginOutput(es);
    ExplainPrintPlan(es, queryDesc);
    ExplainEndOutput(es);

    int len = es->str->len;
    while (len > 0 && es->str->data[len - 1] == '\n')
        len--;
    char *text = static_cast<char *>(MemoryContextAlloc(into, len + 1));
    memcpy(text, es->str->data, len);
    text[len] = '\0';
    MemoryContextSwitchTo(old);
    MemoryContextDelete(work);
    return text;
}

} // namespace

PlanTextState render_plan_text(QueryDesc *queryDesc, char **out)
{
    *out = nullptr;
    if (!IsTransactionState() || IsInParallelMode())
        return PlanTextState::NotNow;

    MemoryContext caller = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    char *volatile text = nullptr;
    volatile bool failed = false;
    char *volatile message = nullptr;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(caller);
    PG_TRY();
    {
        text = render(queryDesc, caller);
        ReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller);
        CurrentResourceOwner = owner;
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        ErrorData *edata = CopyErrorData();
        FlushErrorState();
        message = edata->message;
        RollbackAndReleaseCurrentSubTransaction();
        MemoryContextSwitchTo(caller);
        CurrentResourceOwner = owner;
        failed = true;
    }
    PG_END_TRY();
    if (failed)
    {
        ereport(LOG, (errmsg("pg_perfgate: plan text not kept, EXPLAIN failed: %s",
                             message ? message : "unknown error")));
        return PlanTextState::Failed;
    }
    *out = text;
    return PlanTextState::Rendered;
}

} // namespace pgpf
