// Writing files. See files.hpp.
#include "files.hpp"

#include "errors.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace perfgate
{

void check_writable(const std::string &path, const char *option, bool append)
{
    if (path.empty())
        return;
    const auto fail = [&](const char *why)
    { throw InputError(fmt::format("{} {}: cannot write there: {}", option, path, why)); };
    std::error_code ec;
    if (fs::is_directory(path, ec))
        fail("it is a directory");
    if (append)
    {
        // Opening for append neither truncates nor changes an existing file.
        const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            fail(std::strerror(errno));
        ::close(fd);
        return;
    }
    // An atomic write creates a temporary file beside the target: try exactly that.
    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string probe = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    const int fd = mkstemp(probe.data());
    if (fd < 0)
        fail(std::strerror(errno));
    ::close(fd);
    ::unlink(probe.c_str());
    if (::access(path.c_str(), F_OK) == 0 && ::access(path.c_str(), W_OK) != 0)
        fail(std::strerror(errno));
}

bool write_all(int fd, const std::string &text)
{
    for (std::size_t off = 0; off < text.size();)
    {
        const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

void write_text_atomically(const std::string &path, const std::string &text)
{
    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string tmp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    const int fd = mkstemp(tmp.data());
    if (fd < 0)
        throw InputError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    bool ok = write_all(fd, text);
    ok = ok && fsync(fd) == 0;
    const int saved = errno;
    ok = (::close(fd) == 0) && ok;
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0)
    {
        const int err = ok ? errno : saved;
        ::unlink(tmp.c_str());
        throw InputError(fmt::format("cannot write {}: {}", path, std::strerror(err)));
    }
    ::chmod(path.c_str(), 0644);
}

void append_text(const std::string &path, const std::string &text)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw InputError(fmt::format("cannot append to {}: {}", path, std::strerror(errno)));
    bool ok = write_all(fd, text);
    const int saved = errno;
    if (::close(fd) != 0 || !ok)
        throw InputError(fmt::format("cannot append to {}: {}", path, std::strerror(ok ? errno : saved)));
}

} // namespace perfgate
