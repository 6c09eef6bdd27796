// How a subcommand plugs into the CLI: its setup function adds a CLI::App subcommand bound to its
// options struct and, when that subcommand is chosen, stores the action main() runs. An action
// returns what the run came to (Outcome); cli/main.cc alone turns that into an exit code.
//
//   void setup_clean(CLI::App& app, shmh::cli::Runner& runner);
#pragma once

#include <functional>

namespace shmh::cli {

// What a command's run came to. The exit code of each is in cli/main.cc (the README's table).
enum class Outcome {
  kPass,         // all checks held / requirement met / nothing left over
  kFinding,      // an integrity violation, a limit not met, a crash found, a leftover found
  kError,        // bad arguments, or an environment that cannot run the check
  kInterrupted,  // cut short (Ctrl-C) before anything was found: never a pass
};

// The chosen subcommand's action.
using Runner = std::function<Outcome()>;

}  // namespace shmh::cli
