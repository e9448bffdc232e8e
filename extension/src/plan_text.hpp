// plan_text.hpp — the costs-off EXPLAIN text of a plan seen for the first time (plan_text.cpp).
#pragma once

#include "pg.hpp"

namespace pgpf
{

enum class PlanTextState
{
    Rendered, // *out holds the text
    Failed,   // rendering raised an error: it was caught and the statement goes on
    NotNow    // no transaction to render it in (a cursor closed at commit, parallel mode): retry later
};

// *out: palloc'd in the caller's context, without a trailing newline. An error raised while
// rendering (another extension's custom scan node, a function dropped by the statement itself)
// never reaches the caller: the user's statement must not fail for our sake.
PlanTextState render_plan_text(QueryDesc *queryDesc, char **out);

} // namespace pgpf
