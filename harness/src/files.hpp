// Writing files: atomically (a temporary file in the same directory, fsync, rename: a crash never
// leaves a half-written results file, baseline or report), appending (the Markdown report:
// $GITHUB_STEP_SUMMARY collects the summaries of every step of a job), and checking before anything
// runs that a path can be written, so an unwritable path fails in milliseconds rather than after the
// whole run.
#pragma once

#include <string>

namespace perfgate
{

// Throws InputError naming `option` and the path when the file could not be written (or appended to).
// Creates nothing that stays behind, except that an appendable Markdown file may be created empty.
void check_writable(const std::string &path, const char *option, bool append = false);

void write_text_atomically(const std::string &path, const std::string &text);
void append_text(const std::string &path, const std::string &text);
// Writes all of text to fd, retrying short writes and EINTR; false with errno set on failure.
bool write_all(int fd, const std::string &text);

} // namespace perfgate
