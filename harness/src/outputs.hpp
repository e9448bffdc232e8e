// The files a run writes besides stdout: results (-o), JSON, JUnit XML, Markdown and SVG reports.
// Each requested path is checked before anything runs, so an unwritable path fails in milliseconds
// rather than after the whole run. Markdown is appended, never replaced: $GITHUB_STEP_SUMMARY
// collects the summaries of every step of a job. Everything else is written atomically (baseline.hpp).
#pragma once

#include <string>

namespace perfgate
{

// Throws InputError naming `option` and the path when the file could not be written (or appended to).
// Creates nothing that stays behind, except that an appendable Markdown file may be created empty.
void check_writable(const std::string &path, const char *option, bool append = false);

void append_text(const std::string &path, const std::string &text);
// Writes all of text to fd, retrying short writes and EINTR; false with errno set on failure.
bool write_all(int fd, const std::string &text);

} // namespace perfgate
