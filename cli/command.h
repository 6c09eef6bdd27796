// How a subcommand plugs into the CLI: its setup function adds a CLI::App subcommand bound to its
// options struct and, when that subcommand is chosen, stores the function main() runs.
//
//   void setup_clean(CLI::App& app, shmh::cli::Runner& runner);
#pragma once

#include <functional>

namespace shmh::cli {

// The chosen subcommand's action; it returns the process exit code (exit_codes.h).
using Runner = std::function<int()>;

}  // namespace shmh::cli
