// hooks.hpp — the executor, planner, parse-analysis and utility hooks (hooks.cpp).
#pragma once

namespace pgpf
{

// The tracking settings (pg_perfgate.track, track_utility, track_planning, plan_text) and the hooks,
// from _PG_init.
void hooks_init();

} // namespace pgpf
