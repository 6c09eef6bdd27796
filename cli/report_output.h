// Where a command's reports go: one writer for every --json / --junit / text report, so '-' means
// stdout everywhere, a file is written whole or the user is told it was not, and the human text
// moves to stderr whenever a machine report owns stdout.
//
//   ReportOutput out("stress", {flags.json, flags.junit});
//   std::fputs(text.c_str(), out.human());       // stdout, or stderr when --json - is given
//   bool ok = out.write(flags.json, render_stress_json(result));
#pragma once

#include <cstdio>
#include <initializer_list>
#include <string>

namespace shmh::cli {

class ReportOutput {
 public:
  // `command` names the subcommand in error lines; `targets` are the report paths given ("" = none).
  ReportOutput(const char* command, std::initializer_list<std::string> targets);

  // Where the human text goes: stdout, or stderr when a report is written to stdout ('-').
  [[nodiscard]] FILE* human() const { return human_; }

  // Writes `text` to `path` ('-' = stdout; "" = nothing to do). On failure prints one line saying
  // what to do and returns false.
  bool write(const std::string& path, const std::string& text) const;

 private:
  const char* command_;
  FILE* human_ = stdout;
};

}  // namespace shmh::cli
