// A one-line progress display on stderr for long runs: which scenario, size, variant and iteration.
// Silent unless both stdout and stderr are terminals, so CI logs and redirected output stay clean.
#pragma once

#include <chrono>
#include <string>

namespace perfgate
{

class Progress
{
  public:
    explicit Progress(bool enabled);
    static bool terminal_attached();
    ~Progress();

    void scenario(const std::string &name, int index, int count);
    void update(const std::string &detail, int done, int total);
    void clear();

  private:
    bool enabled_;
    std::string scenario_;
    std::string last_detail_;
    std::chrono::steady_clock::time_point last_draw_{};
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

} // namespace perfgate
