// `shmharness conform` built against a model with one planted deviation (SHMH_PLANTED_DEVIATION_*,
// tests/cli/CMakeLists.txt): the same command, options and reports, so conform_cli_test can check
// that each area of the pinned table catches a model that is wrong there.
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "cli/conform_command.h"

int main(int argc, char** argv) {
  CLI::App app{"conform with a planted deviation (test-only)", "shmharness"};
  app.require_subcommand(1, 1);
  shmh::cli::Runner runner;
  shmh::cli::setup_conform(app, runner);
  CLI11_PARSE(app, argc, argv);
  switch (runner ? runner() : shmh::cli::Outcome::kError) {
    case shmh::cli::Outcome::kPass:
      return 0;
    case shmh::cli::Outcome::kFinding:
      return 1;
    default:
      return 2;
  }
}
