// perfgate: the command line's entry point. Builds the subcommands from the command registry
// (commands.cpp; options in cli.cpp, each command in its cmd_*.cpp), parses the arguments (CLI11),
// runs the chosen command, and maps every perfgate::Error to its exit code in one place: 0 pass,
// 1 regression, 2 usage, input, connection or SQL error, 3 baseline missing or not comparable. Whatever
// the exit code, the requested reports are written, and no password from a connection string reaches
// the terminal or a report.
#include "command.hpp"
#include "errors.hpp"
#include "git_version.hpp"
#include "report.hpp"

#include <cstdio>
#include <map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace perfgate
{
namespace
{

const char *kind_of(const Error &e)
{
    if (dynamic_cast<const BaselineError *>(&e))
        return "baseline";
    if (dynamic_cast<const ConnectionError *>(&e))
        return "connection";
    if (dynamic_cast<const SqlError *>(&e))
        return "sql";
    return "input";
}

// CLI11 says "A subcommand is required" for a misspelt command; name it instead, as git does.
std::string unknown_command(int argc, char **argv)
{
    std::vector<std::string> names;
    for (const Command *c : commands())
        names.push_back(c->name);
    for (int i = 1; i < argc; ++i)
    {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "--version" || arg == "-V")
            return "";
        if (arg.empty() || arg[0] == '-')
            continue;
        for (const auto &c : names)
            if (arg == c)
                return "";
        return fmt::format("perfgate: unknown command '{}' (expected one of: {}); see perfgate --help", arg,
                           fmt::join(names, ", "));
    }
    return fmt::format("perfgate: no command given (expected one of: {}); see perfgate --help",
                       fmt::join(names, ", "));
}

int run_cli(int argc, char **argv)
{
    Options o;
    CLI::App app{
        "perfgate: replay PostgreSQL workloads, keep a baseline, and fail CI on regressions; show a "
        "server's hot queries, plan changes and anti-patterns (top).\n"
        "Exit codes: 0 pass, 1 regression, 2 usage/input/connection error, 3 baseline missing or not "
        "comparable.",
        "perfgate"};
    // -h is the server host, as in pgbench and psql: help is --help only, in every subcommand.
    app.set_help_flag("--help", "print this help and exit");
    app.require_subcommand(1);
    app.set_version_flag("-V,--version",
                         fmt::format("perfgate {} (git {})", PERFGATE_VERSION, PERFGATE_GIT_COMMIT));

    std::map<std::string, const Command *> by_name;
    for (const Command *c : commands())
    {
        c->add_options(app.add_subcommand(c->name, c->help), o);
        by_name[c->name] = c;
    }

    if (const std::string unknown = unknown_command(argc, argv); !unknown.empty())
    {
        std::fprintf(stderr, "%s\n", unknown.c_str());
        return static_cast<int>(ExitCode::usage);
    }
    try
    {
        app.parse(argc, argv);
    }
    catch (const CLI::ParseError &e)
    {
        // --help and --version end here with 0; anything else did not run the gate and must not pass.
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
            return app.exit(e);
        // CLI11 quotes the arguments it did not expect, a connection URI among them: scrub it.
        std::fprintf(stderr, "perfgate: %s\nRun with --help for more information.\n",
                     scrub(e.what(), o).c_str());
        for (const auto *sub : app.get_subcommands())
            o.command = sub->get_name();
        write_error_reports(o, RunError{.command = o.command.empty() ? "perfgate" : o.command,
                                        .exit_code = static_cast<int>(ExitCode::usage),
                                        .kind = "usage",
                                        .message = scrub(e.what(), o)});
        return static_cast<int>(ExitCode::usage);
    }
    o.command = app.get_subcommands().front()->get_name();

    RunError error;
    error.command = o.command;
    try
    {
        check_outputs(o);
        return static_cast<int>(by_name.at(o.command)->run(o));
    }
    catch (const Error &e)
    {
        error.exit_code = static_cast<int>(e.exit_code());
        error.kind = kind_of(e);
        error.message = scrub(e.what(), o);
    }
    catch (const std::exception &e)
    {
        error.exit_code = static_cast<int>(ExitCode::usage);
        error.kind = "internal";
        error.message = "internal error: " + scrub(e.what(), o);
    }
    std::fprintf(stderr, "perfgate: error: %s\n", error.message.c_str());
    write_error_reports(o, error);
    return error.exit_code;
}

} // namespace
} // namespace perfgate

int main(int argc, char **argv)
{
    try
    {
        return perfgate::run_cli(argc, argv);
    }
    catch (const std::exception &e)
    {
        // Only reached when even reporting failed; no message here can hold a password unscrubbed
        // because every error the commands raise was caught and scrubbed in run_cli.
        std::fprintf(stderr, "perfgate: internal error while reporting an error\n");
        return static_cast<int>(perfgate::ExitCode::usage);
    }
}
