// `shmharness stat FILE [--follow]`: a stress run's live counters (stress --stat-file FILE) — the
// phase, the totals, and each peer's pid, restarts, operations and current operation — once, or
// (--follow) redrawn every second until the run ends or disappears. Exit 0 when shown (with
// --follow: once the run ended), 2 when FILE is not a stat file or (--follow) the run disappeared
// without ending (SIGKILLed).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cli/command.h"

namespace shmh::cli {

struct StatOptions {
  std::string file;
  bool follow = false;
};

void setup_stat(CLI::App& app, Runner& runner);
Outcome run_stat_command(const StatOptions& options);

}  // namespace shmh::cli
