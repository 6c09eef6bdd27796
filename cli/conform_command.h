// `shmharness conform`: does this machine's kernel answer shared-memory calls as Linux does? The
// pinned table and random model-vs-kernel sequences (core/conform/conform.h), in sandboxes,
// reported by report/conform_text and report/conform_json.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "cli/command.h"

namespace shmh::cli {

struct ConformOptions {
  std::uint64_t sequences = 1000;  // random sequences per API
  std::uint64_t seed = 1;
  std::optional<std::uint32_t> as_user;  // the other user's uid (root only)
  std::string json;                      // the JSON report's path ('-' = stdout)
  bool quiet = false;
};

void setup_conform(CLI::App& app, Runner& runner);
Outcome run_conform_command(const ConformOptions& options);

}  // namespace shmh::cli
