// What the tests that run the real perfgate binary share: a temporary directory the postgres user can
// enter, a file read whole, and the binary run with its stdout and stderr captured apart (neither a
// terminal, as in CI). PERFGATE_BINARY is the binary's path, set by CMake.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <stdlib.h>
#include <sys/wait.h>

namespace perfgate::test_support
{

struct TempDir
{
    std::filesystem::path path;
    TempDir()
    {
        namespace fs = std::filesystem;
        std::string t = (fs::temp_directory_path() / "perfgate-test-XXXXXX").string();
        path = mkdtemp(t.data());
        // The postgres user must be able to enter it when a test starts an embedded cluster in it.
        fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    std::string operator/(const std::string &name) const { return (path / name).string(); }
};

inline std::string slurp(const std::string &path)
{
    std::ifstream in(path);
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
}

struct CommandResult
{
    int code = -1;
    std::string out, err;
    std::string all() const { return out + err; }
};

// Runs perfgate with `args` (shell syntax) and `env` (shell syntax, e.g. "PGHOST=x" or "env -u PGHOST")
// in front of it.
inline CommandResult run_cli(const std::string &args, const std::string &env = "")
{
    TempDir tmp;
    const std::string cmd = env + " " + PERFGATE_BINARY + " " + args + " >" + (tmp / "out") + " 2>" +
                            (tmp / "err") + " </dev/null";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(tmp / "out"), slurp(tmp / "err")};
}

} // namespace perfgate::test_support
