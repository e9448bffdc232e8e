// Progress display. The terminal bar redraws at most every 100 ms within a phase, so a fast loop does
// not spend its time on the terminal; the log lines come from a timer thread that sleeps between them.
#include "progress.hpp"

#include <cstdio>

#include <fmt/format.h>
#include <unistd.h>

namespace perfgate
{

Progress::Progress(Style style, double interval_s) : style_(style), interval_(interval_s)
{
    if (style_ == Style::lines && interval_s > 0)
        timer_ = std::thread(&Progress::timer, this);
}

Progress::~Progress()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (timer_.joinable())
        timer_.join();
    clear();
}

bool Progress::terminal_attached()
{
    return isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
}

double Progress::elapsed() const
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

std::string Progress::status_locked() const
{
    std::string s = scenario_.empty() ? std::string("starting") : scenario_;
    if (!detail_.empty())
        s += ": " + detail_;
    if (total_ > 0)
        s += fmt::format(" {}/{}", done_, total_);
    return s;
}

void Progress::timer()
{
    std::unique_lock lock(mutex_);
    for (long tick = 1;; ++tick)
    {
        // Ticks at whole multiples of the interval since the start, as pgbench's, so lines do not drift.
        const auto due =
            started_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval_ * tick);
        if (wake_.wait_until(lock, due, [&] { return stopping_; }))
            return;
        // The tick's own time, as pgbench prints it, not the moment a busy machine woke the thread.
        std::fprintf(stderr, "progress: %.1f s, %s\n", interval_.count() * static_cast<double>(tick),
                     status_locked().c_str());
        std::fflush(stderr);
    }
}

void Progress::scenario(const std::string &name, int index, int count)
{
    if (style_ == Style::lines)
    {
        std::lock_guard lock(mutex_);
        scenario_ = fmt::format("[{}/{}] {}", index, count, name);
        detail_.clear();
        total_ = 0;
        std::fprintf(stderr, "progress: %.1f s, %s: starting\n", elapsed(), scenario_.c_str());
        std::fflush(stderr);
        return;
    }
    scenario_ = fmt::format("[{}/{}] {}", index, count, name);
    update("starting", 0, 0);
}

void Progress::update(const std::string &detail, int done, int total)
{
    if (style_ == Style::off)
        return;
    std::lock_guard lock(mutex_);
    detail_ = detail;
    done_ = done;
    total_ = total;
    if (style_ != Style::bar)
        return;
    const auto now = std::chrono::steady_clock::now();
    // Redraw when the phase changes, otherwise at most every 100 ms.
    if (detail == last_detail_ && now - last_draw_ < std::chrono::milliseconds(100))
        return;
    last_detail_ = detail;
    last_draw_ = now;
    std::string bar;
    if (total > 0)
    {
        const int width = 20, filled = done * width / total;
        bar = fmt::format(" [{}{}] {}/{}", std::string(filled, '#'), std::string(width - filled, '.'), done,
                          total);
    }
    std::fprintf(stderr, "\r\033[K%s  %s%s  %.0fs", scenario_.c_str(), detail.c_str(), bar.c_str(),
                 elapsed());
    std::fflush(stderr);
}

void Progress::clear()
{
    if (style_ != Style::bar)
        return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
}

} // namespace perfgate
