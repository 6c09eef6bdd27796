// `shmharness clean`: lists and removes the tagged objects (core/cleanup/leftovers.h) that a
// crashed run left outside a sandbox; never anything untagged, never anything still in use.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace shmh::cli {

struct CleanCommandOptions {
  bool dry_run = false;  // list only; exit 1 when something would be removed
};

void setup_clean(CLI::App& app, Runner& runner);
Outcome run_clean_command(const CleanCommandOptions& options);

}  // namespace shmh::cli
