/*
 * plan_text.cpp — the plan's shape as text: EXPLAIN with costs off, as a user would read it.
 *
 * Rendered only when a (query id, plan id) entry is created or still lacks its text, never per
 * execution. The rendering works in a memory context of its own that is deleted afterwards, so an
 * entry costs one palloc'd copy in the caller's context.
 */
#include "pg_perfgate.hpp"

namespace pgpf
{

char *render_plan_text(QueryDesc *queryDesc)
{
    MemoryContext work =
        AllocSetContextCreate(CurrentMemoryContext, "pg_perfgate plan text", ALLOCSET_DEFAULT_SIZES);
    MemoryContext caller = MemoryContextSwitchTo(work);

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
    MemoryContextSwitchTo(caller);
    char *text = pnstrdup(es->str->data, len);
    MemoryContextDelete(work);
    return text;
}

} // namespace pgpf
