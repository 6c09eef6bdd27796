#include "cli/clean_command.h"

#include <cstdio>
#include <memory>

#include "cli/exit_codes.h"
#include "core/cleanup/leftovers.h"
#include "core/units.h"

namespace shmh::cli {
namespace {

const char* kind_name(LeftoverKind kind) { return kind == LeftoverKind::kSysv ? "sysv " : "posix"; }

}  // namespace

void setup_clean(CLI::App& app, Runner& runner) {
  auto options = std::make_shared<CleanOptions>();
  CLI::App* sub = app.add_subcommand("clean", "Remove tagged leftovers of crashed runs (never anything else)");
  sub->footer(
      "Remove the shared-memory objects a crashed or killed shmharness run left outside a sandbox: System V\n"
      "keys 0x5348xxxx and /dev/shm/shmh.<pid>.<hex>. Anything untagged, attached, or whose creator still\n"
      "runs is left alone. Exit 0 done (or nothing found), 1 leftovers found with --dry-run, 2 a removal failed.\n");
  sub->add_flag("-n,--dry-run", options->dry_run, "List what would be removed; remove nothing");
  sub->callback([options, &runner] { runner = [options] { return run_clean_command(*options); }; });
}

int run_clean_command(const CleanOptions& options) {
  auto found = find_leftovers();
  if (!found) {
    std::fprintf(stderr, "shmharness clean: %s; check that /proc is mounted and /dev/shm is readable\n",
                 found.error().message().c_str());
    return kExitUsage;
  }
  std::size_t removed = 0;
  std::size_t would_remove = 0;
  std::size_t kept = 0;
  std::size_t failed = 0;
  std::uint64_t bytes = 0;
  for (const auto& l : *found) {
    const std::string what =
        std::string(kind_name(l.kind)) + " " + l.name + " (" + format_bytes(l.bytes) + ", " + l.reason + ")";
    if (l.in_use) {
      ++kept;
      std::printf("kept          %s\n", what.c_str());
    } else if (options.dry_run) {
      ++would_remove;
      bytes += l.bytes;
      std::printf("would remove  %s\n", what.c_str());
    } else if (auto r = remove_leftover(l); r) {
      ++removed;
      bytes += l.bytes;
      std::printf("removed       %s\n", what.c_str());
    } else {
      ++failed;
      std::fprintf(stderr, "shmharness clean: cannot remove %s: %s; run as its owner or as root\n", l.name.c_str(),
                   r.error().message().c_str());
    }
  }
  if (options.dry_run) {
    std::printf("clean --dry-run: %zu leftover(s) to remove (%s), %zu in use\n", would_remove,
                format_bytes(bytes).c_str(), kept);
    return would_remove > 0 ? kExitFinding : kExitOk;
  }
  std::printf("clean: removed %zu leftover(s) (%s), kept %zu in use, %zu failed\n", removed,
              format_bytes(bytes).c_str(), kept, failed);
  return failed > 0 ? kExitUsage : kExitOk;
}

}  // namespace shmh::cli
