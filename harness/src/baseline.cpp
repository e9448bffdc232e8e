// Baseline I/O and comparability. See baseline.hpp.
#include "baseline.hpp"

#include "errors.hpp"
#include "files.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace fs = std::filesystem;

namespace perfgate
{

namespace
{

// A number no results file holds (1e30 as a size, 1e400): named with its place, instead of turning
// into INT64_MIN or an "internal error" further on.
void check_numbers(const nlohmann::json &j, const std::string &path, const std::string &where)
{
    if (j.is_number_float() && !(std::abs(j.get<double>()) < 9.2e18))
        throw BaselineError(fmt::format("{}: not a results file: the number {} at {} is out of range", path,
                                        j.dump(), where.empty() ? "/" : where));
    if (j.is_structured())
        for (auto it = j.begin(); it != j.end(); ++it)
            check_numbers(*it, path,
                          where + "/" + (j.is_object() ? it.key() : std::to_string(it - j.begin())));
}

} // namespace

Results read_results(const std::string &path)
{
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw BaselineError(fmt::format("baseline {} is a directory, not a results file", path));
    std::ifstream in(path);
    if (!in)
        throw BaselineError(fmt::format("baseline {} is missing or unreadable ({}); {}", path,
                                        std::strerror(errno), record_advice(path)));
    nlohmann::json j;
    try
    {
        j = nlohmann::json::parse(in);
    }
    catch (const nlohmann::json::exception &e) // parse errors and numbers beyond a double (1e400)
    {
        throw BaselineError(fmt::format("{}: not valid JSON: {}", path, e.what()));
    }
    catch (const std::ios_base::failure &e)
    {
        throw BaselineError(fmt::format("{}: cannot read: {}", path, e.what()));
    }
    check_numbers(j, path, "");
    return results_from_json(j, path);
}

void write_results(const std::string &path, const Results &results)
{
    // Text from a server in another encoding must not cost the whole run's results: invalid UTF-8 is
    // written as U+FFFD instead of failing the dump.
    write_text_atomically(
        path, to_json(results).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

std::string settings_text(const std::map<std::string, std::string> &settings)
{
    std::vector<std::string> parts;
    for (const auto &[name, value] : settings)
        parts.push_back(name + "=" + value);
    return fmt::format("{}", fmt::join(parts, ", "));
}

std::string record_advice(const std::string &path)
{
    // Never "re-record here": recorded from the change under test, a baseline would bless whatever
    // regression the change brings.
    return fmt::format(
        "record the baseline from the code the change is compared with (e.g. the main branch: "
        "`perfgate gate --update-baseline -b {}` in a checkout of it, in this same environment), "
        "then gate the change against it",
        path);
}

std::vector<std::string> environment_differences(const Environment &b, const Environment &c)
{
    std::vector<std::string> diffs;
    // Query ids are the server's own (18 hashes relation names and squashes IN lists where 17 and
    // earlier hash OIDs and count list elements), plans and buffer counts move with the planner and
    // executor: nothing recorded on one major says what another should do.
    if (b.server_version_num / 10000 != c.server_version_num / 10000)
        diffs.push_back(fmt::format(
            "server major version: baseline PostgreSQL {} ({}), this run PostgreSQL {} "
            "({}): query ids, plans and statement counts are not comparable across "
            "major versions",
            b.server_version_num / 10000, b.server_version, c.server_version_num / 10000, c.server_version));
    for (const auto &[name, value] : b.settings)
    {
        auto it = c.settings.find(name);
        const std::string now = it == c.settings.end() ? "(absent)" : it->second;
        if (now != value)
            diffs.push_back(fmt::format("setting {}: baseline {}, this run {}", name, value, now));
    }
    for (const auto &[name, value] : c.settings)
        if (!b.settings.count(name))
            diffs.push_back(
                fmt::format("setting {}: not in the baseline's fingerprint, this run {}", name, value));
    if (b.run_settings != c.run_settings)
        diffs.push_back(fmt::format("--set: baseline [{}], this run [{}]", settings_text(b.run_settings),
                                    settings_text(c.run_settings)));
    if (b.extension != c.extension)
        diffs.push_back(fmt::format("pg_perfgate extension: baseline {}, this run {}",
                                    b.extension ? "loaded" : "absent", c.extension ? "loaded" : "absent"));
    return diffs;
}

std::vector<std::string> environment_differences(const Results &b, const Results &c)
{
    std::vector<std::string> diffs = environment_differences(b.env, c.env);
    bool any_common = false;
    for (const auto &s : c.scenarios)
    {
        const ScenarioResult *bs = b.scenario(s.name);
        if (!bs)
            continue;
        any_common = true;
        if (bs->sizes != s.sizes)
            diffs.push_back(fmt::format("scenario '{}': sizes {} in the baseline, {} in this run", s.name,
                                        fmt::join(bs->sizes, ","), fmt::join(s.sizes, ",")));
        else if (bs->data_hashes.empty() || s.data_hashes.empty())
        {
            if (bs->data_hash != s.data_hash)
                diffs.push_back(
                    fmt::format("scenario '{}': the data generation changed (data hash {} in the baseline, "
                                "{} in this run)",
                                s.name, bs->data_hash, s.data_hash));
        }
        else
            // Only data sets both versions use: a new one belongs to new or changed steps, which the
            // gate judges; an unused one measures nothing.
            for (const auto &[set, hash] : s.data_hashes)
                if (auto it = bs->data_hashes.find(set); it != bs->data_hashes.end() && it->second != hash)
                    diffs.push_back(
                        fmt::format("scenario '{}': the generation of data set '{}' changed (hash "
                                    "{} in the baseline, {} in this run)",
                                    s.name, set, it->second, hash));
    }
    if (!any_common && !c.scenarios.empty())
        diffs.push_back("no scenario of this run is in the baseline");
    return diffs;
}

namespace
{

void throw_if_different(const std::vector<std::string> &diffs, const std::string &baseline_path)
{
    if (diffs.empty())
        return;
    throw BaselineError(
        fmt::format("baseline {} was recorded in another environment and is not comparable:\n  - {}\n{}",
                    baseline_path, fmt::join(diffs, "\n  - "), record_advice(baseline_path)));
}

} // namespace

void require_comparable(const Results &baseline, const Results &current, const std::string &baseline_path)
{
    throw_if_different(environment_differences(baseline, current), baseline_path);
}

void require_comparable(const Environment &baseline, const Environment &current,
                        const std::string &baseline_path)
{
    throw_if_different(environment_differences(baseline, current), baseline_path);
}

} // namespace perfgate
