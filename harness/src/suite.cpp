// Workload discovery. See suite.hpp.
#include "suite.hpp"

#include "errors.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace perfgate
{

std::string builtin_workload_dir()
{
    if (const char *env = std::getenv("PERFGATE_WORKLOADS"); env && *env)
        return env;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec)
    {
        const fs::path installed = exe.parent_path().parent_path() / "share" / "perfgate" / "workloads";
        if (fs::is_directory(installed))
            return installed.string();
    }
    if (fs::is_directory(PERFGATE_SOURCE_WORKLOADS))
        return PERFGATE_SOURCE_WORKLOADS;
    throw InputError(
        "cannot find the built-in workloads; set PERFGATE_WORKLOADS to the harness/workloads directory");
}

std::vector<Workload> load_workloads(const std::vector<std::string> &paths,
                                     const std::vector<std::string> &only)
{
    std::vector<std::string> files;
    for (const auto &p : paths)
    {
        if (fs::is_directory(p))
        {
            std::vector<std::string> found;
            for (const auto &entry : fs::directory_iterator(p))
                if (entry.is_regular_file() &&
                    (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml"))
                    found.push_back(entry.path().string());
            std::sort(found.begin(), found.end());
            if (found.empty())
                throw InputError(fmt::format("{}: no *.yaml workload files in this directory", p));
            files.insert(files.end(), found.begin(), found.end());
        }
        else if (fs::exists(p))
            files.push_back(p);
        else
            throw InputError(fmt::format("{}: no such workload file or directory", p));
    }
    std::vector<Workload> out;
    std::set<std::string> names;
    for (const auto &f : files)
    {
        Workload w = load_workload(f);
        if (!only.empty() && std::find(only.begin(), only.end(), w.name) == only.end())
            continue;
        if (!names.insert(w.name).second)
            throw InputError(
                fmt::format("{}: a scenario named '{}' was already loaded from another file", f, w.name));
        out.push_back(std::move(w));
    }
    for (const auto &name : only)
        if (!names.count(name))
            throw InputError(
                fmt::format("--scenario {}: no workload of that name in {}", name, fmt::join(paths, ", ")));
    return out;
}

} // namespace perfgate
