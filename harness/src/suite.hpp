// Finding and loading workload files: the built-in suite (harness/workloads in a source tree, or
// share/perfgate/workloads next to an installed binary, or $PERFGATE_WORKLOADS) and the user's own
// files or directories, in a stable order (sorted by file name).
#pragma once

#include "workload.hpp"

#include <string>
#include <vector>

namespace perfgate
{

std::string builtin_workload_dir();
// Each path is a workload file or a directory of *.yaml files; `only` keeps the named scenarios.
std::vector<Workload> load_workloads(const std::vector<std::string> &paths,
                                     const std::vector<std::string> &only);

} // namespace perfgate
