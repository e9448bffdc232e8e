/*
 * plan_text.cpp — the plan's shape as text: EXPLAIN with costs off, as a user would read it.
 *
 * Rendered only when a (query id, plan id) entry is created or still lacks its text (for a top-level
 * statement's first run: when it starts, so that pg_perfgate_activity shows it while it runs), and
 * for a slow execution the log is allowed to write (with its bound parameters and, when sampled,
 * actual rows), never per execution. EXPLAIN looks things up in the catalogs and calls into other
 * extensions' nodes, and any of that may raise an error, which must not fail the statement that is
 * ending: so the rendering runs in an internal subtransaction (as PL/pgSQL runs an EXCEPTION block),
 * and an error is caught, rolled back and counted as a skipped plan text. The work happens in a
 * memory context of its own, deleted afterwards; the caller gets one palloc'd copy.
 */
#include "plan_text.hpp"

#include "guard.hpp"

namespace pgpf
{

namespace
{

// EXPLAIN prints a hash's buckets, batches and memory whenever the node was instrumented, analyze
// or not: an execution sampled by the detectors (per-node row counts) would otherwise store those
// run-time figures as part of the plan's shape. Hidden while rendering, then put back.
struct HiddenHash
{
    HashState *node;
    HashInstrumentation *hinstrument;
    SharedHashInfo *shared_info;
};
struct HiddenHashes
{
    HiddenHash *items;
    int n, capacity;
};

bool hide_hash_figures(PlanState *ps, void *arg)
{
    if (ps == nullptr)
        return false;
    if (IsA(ps, HashState))
    {
        HiddenHashes *h = static_cast<HiddenHashes *>(arg);
        HashState *hs = reinterpret_cast<HashState *>(ps);
        if (h->n == h->capacity)
        {
            h->capacity = Max(8, h->capacity * 2);
            h->items =
                static_cast<HiddenHash *>(h->items ? repalloc(h->items, sizeof(HiddenHash) * h->capacity)
                                                   : palloc(sizeof(HiddenHash) * h->capacity));
        }
        h->items[h->n++] = HiddenHash{hs, hs->hinstrument, hs->shared_info};
        hs->hinstrument = nullptr;
        hs->shared_info = nullptr;
    }
    return planstate_tree_walker(ps, PGPF_PLANSTATE_WALKER(hide_hash_figures), arg);
}

void restore_hash_figures(HiddenHashes *hidden)
{
    for (int i = 0; i < hidden->n; i++)
    {
        hidden->items[i].node->hinstrument = hidden->items[i].hinstrument;
        hidden->items[i].node->shared_info = hidden->items[i].shared_info;
    }
    hidden->n = 0;
}

// analyze: with the actual rows and loops of the execution's instrumented nodes (timing off).
char *render(QueryDesc *queryDesc, MemoryContext into, HiddenHashes *hidden, bool analyze)
{
    MemoryContext work =
        AllocSetContextCreate(CurrentMemoryContext, "pg_perfgate plan text", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(work);

    ExplainState *es = NewExplainState();
    es->analyze = analyze;
    es->costs = false;
    es->verbose = false;
    es->buffers = false;
    es->timing = false;
    es->summary = false;
    es->format = EXPLAIN_FORMAT_TEXT;
    if (queryDesc->instrument_options != 0 && !analyze)
        hide_hash_figures(queryDesc->planstate, hidden);
    ExplainBeginOutput(es);
    ExplainPrintPlan(es, queryDesc);
    ExplainEndOutput(es);
    restore_hash_figures(hidden);

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

namespace
{

struct RenderArgs
{
    QueryDesc *queryDesc;
    bool analyze;
    ParamListInfo params;
    int param_maxlen;
    bool want_params;
    MemoryContext caller;
    HiddenHashes hidden; // put back on the error path too: later hooks may read them
    char *text;
    char *param_text;
};

void render_both(void *arg)
{
    RenderArgs *a = static_cast<RenderArgs *>(arg);
    a->text = render(a->queryDesc, a->caller, &a->hidden, a->analyze);
    // Output functions of the parameters' types run here: they may fail like EXPLAIN may.
    if (a->want_params && a->params != nullptr && a->params->numParams > 0 && a->param_maxlen != 0)
        a->param_text = BuildParamLogString(a->params, nullptr, a->param_maxlen);
}

// Runs the renderings in an internal subtransaction: an error is caught, logged and rolled back.
// *params: the bound parameters (core's "$1 = '...'" list) when param_maxlen != 0.
PlanTextState render_guarded(QueryDesc *queryDesc, bool analyze, ParamListInfo params, int param_maxlen,
                             char **out, char **params_out)
{
    *out = nullptr;
    if (params_out != nullptr)
        *params_out = nullptr;
    RenderArgs a{queryDesc,       analyze, params, param_maxlen, params_out != nullptr, CurrentMemoryContext,
                 {nullptr, 0, 0}, nullptr, nullptr};
    char *message = nullptr;
    switch (in_subtransaction(render_both, &a, &message))
    {
    case SubxactResult::NotNow:
        return PlanTextState::NotNow;
    case SubxactResult::Failed:
        restore_hash_figures(&a.hidden);
        ereport(LOG, (errmsg("pg_perfgate: plan text not kept, EXPLAIN failed: %s",
                             message ? message : "unknown error")));
        return PlanTextState::Failed;
    case SubxactResult::Done:
        break;
    }
    *out = a.text;
    if (params_out != nullptr)
        *params_out = a.param_text;
    return PlanTextState::Rendered;
}

} // namespace

PlanTextState render_plan_text(QueryDesc *queryDesc, char **out)
{
    return render_guarded(queryDesc, false, nullptr, 0, out, nullptr);
}

PlanTextState render_run_text(QueryDesc *queryDesc, bool analyze, ParamListInfo params, int param_maxlen,
                              char **plan, char **param_text)
{
    return render_guarded(queryDesc, analyze, params, param_maxlen, plan, param_text);
}

} // namespace pgpf
