// `shmharness stress`: the stress runner (stress/runner.h) from the command line — flags into
// StressOptions, a sandbox (or tagged objects under supervision), the live progress line on a
// TTY, the summary, --json / --junit / --html reports, and the exit code the verdict means.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/command.h"

namespace shmh::cli {

// The flags as typed; run_stress_command validates them into stress::StressOptions.
struct StressFlags {
  std::string channel = "ring";
  std::string backend = "sysv";
  std::optional<std::string> workload;
  std::optional<std::uint32_t> writers;
  std::optional<std::uint32_t> readers;
  bool threads = false;
  std::string duration = "12s";  // the nine phases keep at least the time each had among eight in 10 s
  bool duration_given = false;   // --duration on the command line (else --messages alone sets the end)
  std::optional<std::uint64_t> messages;
  std::optional<std::string> msg_size;  // MIN or MIN:MAX
  std::optional<std::string> phase;
  std::optional<std::uint32_t> capacity;
  std::optional<std::uint32_t> repeat;  // --repeat N: N runs with seeds derived from the first
  std::optional<double> kill_rate;
  std::optional<double> pause_rate;
  bool no_kill = false;
  bool pin_cpus = false;
  bool fail_fast = false;
  std::optional<std::uint64_t> seed;
  std::string watchdog = "5s";
  // Workloads' own options (churn's --segment-size ...) as typed, by flag; only those given.
  std::vector<std::pair<std::string, std::string>> workload_options;
  std::string json;
  std::string junit;
  std::string html;       // --html FILE: the self-contained HTML report
  std::string stat_file;  // --stat-file FILE: live counters for `shmharness stat`
  bool quiet = false;
  bool no_sandbox = false;
};

void setup_stress(CLI::App& app, Runner& runner);
Outcome run_stress_command(const StressFlags& flags);

}  // namespace shmh::cli
