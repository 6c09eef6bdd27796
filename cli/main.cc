// shmharness: one binary, one subcommand per job. Subcommands parse into their options struct, run
// from there and say what the run came to (cli/command.h's Outcome); this file alone turns that
// into the exit code (the README's "Exit codes" table).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "cli/clean_command.h"
#include "cli/command.h"
#include "cli/conform_command.h"
#include "cli/fuzz_command.h"
#include "cli/limits_command.h"
#include "cli/smoke_command.h"
#include "cli/stat_command.h"
#include "cli/stress_command.h"

namespace {

// The exit-code convention of every subcommand.
constexpr int kExitPass = 0;     // all checks held / requirement met / nothing left over
constexpr int kExitFinding = 1;  // an integrity violation, a limit not met, a crash, a leftover found
constexpr int kExitError = 2;    // usage or environment error, or a run cut short

int exit_code(shmh::cli::Outcome outcome) {
  switch (outcome) {
    case shmh::cli::Outcome::kPass:
      return kExitPass;
    case shmh::cli::Outcome::kFinding:
      return kExitFinding;
    case shmh::cli::Outcome::kError:
    case shmh::cli::Outcome::kInterrupted:  // a run cut short never passes
      return kExitError;
  }
  return kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shmharness " SHMH_VERSION
               " — fuzz and stress testing for shared-memory IPC on Linux.\n"
               "Exit codes: 0 all checks held, 1 a finding, 2 usage or environment error.\n"
               "Run 'shmharness <command> --help' for a command's options.",
               "shmharness"};
  app.set_version_flag("-V,--version", "shmharness " SHMH_VERSION);
  app.require_subcommand(1, 1);
  app.fallthrough(false);

  shmh::cli::Runner runner;
  shmh::cli::setup_stress(app, runner);
  shmh::cli::setup_smoke(app, runner);
  shmh::cli::setup_limits(app, runner);
  shmh::cli::setup_clean(app, runner);
  shmh::cli::setup_fuzz(app, runner);
  shmh::cli::setup_stat(app, runner);
  shmh::cli::setup_conform(app, runner);

  // CLI11 reports an unknown command as "a subcommand is required"; name it instead.
  if (argc > 1 && argv[1][0] != '-' &&
      app.get_subcommands([&](CLI::App* sub) { return sub->check_name(argv[1]); }).empty()) {
    std::string names;
    for (const CLI::App* sub : app.get_subcommands({})) names += (names.empty() ? "" : ", ") + sub->get_name();
    std::fprintf(stderr, "shmharness: unknown command '%s'; commands: %s (see 'shmharness --help')\n", argv[1],
                 names.c_str());
    return kExitError;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.empty()) what = e.get_name();
    std::string help = "shmharness";
    for (const CLI::App* sub : app.get_subcommands()) help += " " + sub->get_name();
    std::fprintf(stderr, "shmharness: %s; run '%s --help' for usage\n", what.c_str(), help.c_str());
    return kExitError;
  }
  return runner ? exit_code(runner()) : kExitError;
}
