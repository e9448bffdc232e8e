// Progress line drawing; redraws at most every 100 ms within a phase, so a fast loop does not spend
// its time on the terminal.
#include "progress.hpp"

#include <cstdio>

#include <fmt/format.h>
#include <unistd.h>

namespace perfgate
{

Progress::Progress(bool enabled) : enabled_(enabled) {}

Progress::~Progress()
{
    clear();
}

bool Progress::terminal_attached()
{
    return isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
}

void Progress::scenario(const std::string &name, int index, int count)
{
    scenario_ = fmt::format("[{}/{}] {}", index, count, name);
    update("starting", 0, 0);
}

void Progress::update(const std::string &detail, int done, int total)
{
    if (!enabled_)
        return;
    const auto now = std::chrono::steady_clock::now();
    // Redraw when the phase changes, otherwise at most every 100 ms.
    if (detail == last_detail_ && now - last_draw_ < std::chrono::milliseconds(100))
        return;
    last_detail_ = detail;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - started_).count();
    std::string bar;
    if (total > 0)
    {
        const int width = 20, filled = done * width / total;
        bar = fmt::format(" [{}{}] {}/{}", std::string(filled, '#'), std::string(width - filled, '.'), done,
                          total);
    }
    std::fprintf(stderr, "\r\033[K%s  %s%s  %.0fs", scenario_.c_str(), detail.c_str(), bar.c_str(), elapsed);
    std::fflush(stderr);
}

void Progress::clear()
{
    if (!enabled_)
        return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
}

} // namespace perfgate
