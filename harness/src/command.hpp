// A perfgate command (run, gate, top, ...) as one record: its name and one-line help as `--help`
// lists them, the options it adds to its subcommand, and what it does. Each command is one file,
// cmd_NAME.cpp, defining `const Command NAME_command`; commands.cpp lists them.
#pragma once

#include "cli.hpp"
#include "errors.hpp"

#include <vector>

namespace perfgate
{

struct Command
{
    const char *name;
    const char *help;
    void (*add_options)(CLI::App *cmd, Options &o);
    // Runs with the parsed options (output paths already checked); throws perfgate::Error.
    ExitCode (*run)(const Options &o);
};

// Every command, in the order `perfgate --help` lists them.
const std::vector<const Command *> &commands();

} // namespace perfgate
