// `shmharness limits`: report the machine's shared-memory limits, check an application's
// requirements against them (--require / --profile), and optionally prove them (--probe), test the
// kernel's enforcement (--selftest) and audit existing objects (--audit); --fix-file writes the
// fix as a sysctl.d drop-in.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cli/command.h"

namespace shmh::cli {

struct LimitsOptions {
  std::string require;  // "segments=16,segment-size=64MiB,..."
  std::string profile;  // a profile file (format: core/limits/requirements.h, README)
  bool probe = false;
  std::string max_bytes = "1GiB";
  bool force = false;
  bool selftest = false;
  bool audit = false;
  std::string json;      // write the JSON report here ("-" = stdout)
  std::string html;      // write the HTML report here
  std::string fix_file;  // write a sysctl.d drop-in raising what the requirements need
  bool quiet = false;    // only the verdict line
};

void setup_limits(CLI::App& app, Runner& runner);
Outcome run_limits_command(const LimitsOptions& options);

}  // namespace shmh::cli
