#include "cli/clean_command.h"

#include <cstdio>
#include <memory>

#include "core/cleanup/clean.h"
#include "report/clean_text.h"

namespace shmh::cli {

void setup_clean(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<CleanCommandOptions>();
  CLI::App* sub = app.add_subcommand("clean", "Remove tagged leftovers of crashed runs (never anything else)");
  sub->footer(
      "Remove the shared-memory objects a crashed or killed shmharness run left outside a sandbox: System V\n"
      "keys 0x5348xxxx and /dev/shm/shmh.<pid>.<hex>. Anything untagged, attached, or whose creator still\n"
      "runs is left alone. Exit 0 done (or nothing found), 1 leftovers found with --dry-run, 2 a removal failed.\n");
  sub->add_flag("-n,--dry-run", options->dry_run, "List what would be removed; remove nothing");
  sub->callback([options, &runner] { runner = [options] { return run_clean_command(*options); }; });
}

Outcome run_clean_command(const CleanCommandOptions& options) {
  auto report = clean_leftovers({.dry_run = options.dry_run, .sources = {}});
  if (!report) {
    std::fprintf(stderr, "shmharness clean: %s; check that /proc is mounted and /dev/shm is readable\n",
                 report.error().message().c_str());
    return Outcome::kError;
  }
  std::fputs(render_clean_text(*report).c_str(), stdout);
  if (const std::size_t failed = report->count(CleanAction::kFailed); failed > 0) {
    std::fprintf(stderr, "shmharness clean: %zu object(s) could not be removed; run as their owner or as root\n",
                 failed);
    return Outcome::kError;
  }
  if (options.dry_run) return report->count(CleanAction::kWouldRemove) > 0 ? Outcome::kFinding : Outcome::kPass;
  return Outcome::kPass;
}

}  // namespace shmh::cli
