// `shmharness smoke`: the share check (core/check/share_check.h) on every backend, in a sandbox,
// reported by report/smoke_text and report/smoke_json.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"

namespace shmh::cli {

struct SmokeOptions {
  std::vector<std::string> backends{"sysv", "posix", "memfd"};
  std::string size = "1MiB";
  std::optional<std::uint64_t> seed;  // random when absent; printed so it can be replayed
  bool no_sandbox = false;            // use tagged objects in the caller's namespaces instead
  bool force = false;                 // a --size beyond MemAvailable
  std::string json;                   // the JSON report's path ('-' = stdout)
  bool quiet = false;
};

void setup_smoke(CLI::App& app, Runner& runner);
Outcome run_smoke_command(const SmokeOptions& options);

}  // namespace shmh::cli
