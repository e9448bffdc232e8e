// hooks.hpp — installs the executor, planner, parse-analysis and utility hooks (hooks.cpp).
#pragma once

namespace pgpf
{

void install_hooks();

} // namespace pgpf
