// shmharness: one binary, one subcommand per job. This file alone chooses exit codes
// (cli/exit_codes.h); subcommands parse into their options struct and run from there.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "cli/clean_command.h"
#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/fuzz_command.h"
#include "cli/limits_command.h"
#include "cli/smoke_command.h"
#include "cli/stress_command.h"

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

  // CLI11 reports an unknown command as "a subcommand is required"; name it instead.
  if (argc > 1 && argv[1][0] != '-' &&
      app.get_subcommands([&](CLI::App* sub) { return sub->check_name(argv[1]); }).empty()) {
    std::fprintf(
        stderr,
        "shmharness: unknown command '%s'; commands: stress, smoke, limits, clean, fuzz (see 'shmharness --help')\n",
        argv[1]);
    return shmh::cli::kExitUsage;
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
    return shmh::cli::kExitUsage;
  }
  return runner ? runner() : shmh::cli::kExitUsage;
}
