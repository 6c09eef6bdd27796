// `shmharness smoke`: the share check (core/check/share_check.h) on every backend, in a sandbox,
// with a one-line verdict. Until the stress campaign exists this is the main job.
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
  bool quiet = false;
};

void setup_smoke(CLI::App& app, Runner& runner);
int run_smoke_command(const SmokeOptions& options);

}  // namespace shmh::cli
