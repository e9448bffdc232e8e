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
// For the slow-statement log: the plan of this execution as it ran (its own constants), with actual
// rows and loops when `analyze` (the nodes must be instrumented), and, when params is given and
// param_maxlen is not 0, its bound parameters as core logs them ("$1 = '777'", each value cut at
// param_maxlen bytes when > 0), rendered in the same guarded subtransaction. *param_text is NULL when
// there are none.
PlanTextState render_run_text(QueryDesc *queryDesc, bool analyze, ParamListInfo params, int param_maxlen,
                              char **plan, char **param_text);

} // namespace pgpf
