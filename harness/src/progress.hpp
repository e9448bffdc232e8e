// Progress of a long run on stderr, in one of two styles. On a terminal, one line redrawn in place
// (scenario, size, iteration). Elsewhere - a CI log - whole lines that a log keeps: one when each
// scenario starts and, with `-P SEC` (as pgbench -P), one every SEC seconds from a timer thread, so a
// log shows where a run is even while a single statement takes minutes. Thread-safe: update() only
// stores the state the timer prints.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace perfgate
{

class Progress
{
  public:
    enum class Style
    {
        off,
        bar,  // redrawn in place on a terminal
        lines // appended lines for logs
    };

    // `interval_s` > 0: a line every so many seconds (lines style only).
    Progress(Style style, double interval_s);
    // The terminal bar, or nothing: for tests and library callers.
    explicit Progress(bool enabled) : Progress(enabled ? Style::bar : Style::off, 0) {}
    static bool terminal_attached();
    ~Progress();
    Progress(const Progress &) = delete;
    Progress &operator=(const Progress &) = delete;

    void scenario(const std::string &name, int index, int count);
    void update(const std::string &detail, int done, int total);
    void clear();

  private:
    std::string status_locked() const; // "[2/8] lookups: n=100 5/12"
    double elapsed() const;
    void timer();

    const Style style_;
    const std::chrono::duration<double> interval_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::string scenario_;
    std::string detail_, last_detail_;
    int done_ = 0, total_ = 0;
    std::chrono::steady_clock::time_point last_draw_{};
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::thread timer_;
};

} // namespace perfgate
