// run_command: runs another program (fork + exec) with its stdout and stderr appended to a file,
// optional extra environment variables and working directory, a timeout after which it is killed,
// and a stop request (its whole process group is ended). The child dies with this process
// (PR_SET_PDEATHSIG survives exec for ordinary programs).
//
//   auto exit = shmh::run_command({"llvm-profdata", "merge", ...}, {.output = "log.txt"});
//   if (exit && exit->ok()) ...
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/process/child_process.h"
#include "core/result.h"

namespace shmh {

struct RunOptions {
  std::string output;                                // file the program's stdout+stderr are appended to; "" = inherit
  std::string error_output;                          // when set, stderr goes here instead (appended)
  std::vector<std::string> env;                      // "NAME=value" added to this process's environment
  std::string cwd;                                   // "" = this process's
  std::optional<std::chrono::milliseconds> timeout;  // then SIGKILL; the result says ETIMEDOUT
  // Polled while the program runs (every 100 ms); when it turns true the program's process group
  // gets SIGTERM, then SIGKILL 5 s later. The result is the program's exit.
  std::function<bool()> should_stop;
  // The program leads a process group of its own, so it and everything it forks can be stopped
  // together, and a Ctrl-C at the terminal reaches this process only.
  bool own_process_group = false;
};

// The program's exit (code 127 with a message when it could not be executed), or an error when
// it could not be started or outlived the timeout (ETIMEDOUT; it has been killed).
Result<ChildExit> run_command(const std::vector<std::string>& argv, const RunOptions& options);

// Whether `program` is found on PATH (or is an executable path).
bool program_available(const std::string& program);

}  // namespace shmh
