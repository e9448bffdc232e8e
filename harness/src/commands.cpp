// The command registry: every perfgate command, in the order `perfgate --help` lists them. A new
// command is a new cmd_NAME.cpp defining `const Command NAME_command` (command.hpp) and its name here.
#include "command.hpp"

#define PERFGATE_COMMANDS(X) X(run) X(compare) X(gate) X(ab) X(demo) X(top)

namespace perfgate
{

#define PERFGATE_DECLARE(name) extern const Command name##_command;
PERFGATE_COMMANDS(PERFGATE_DECLARE)
#undef PERFGATE_DECLARE

const std::vector<const Command *> &commands()
{
#define PERFGATE_ENTRY(name) &name##_command,
    static const std::vector<const Command *> all = {PERFGATE_COMMANDS(PERFGATE_ENTRY)};
#undef PERFGATE_ENTRY
    return all;
}

} // namespace perfgate
