#include "core/cleanup/clean.h"

namespace shmh {

std::size_t CleanReport::count(CleanAction action) const {
  std::size_t n = 0;
  for (const auto& e : entries) n += e.action == action ? 1 : 0;
  return n;
}

std::uint64_t CleanReport::bytes() const {
  std::uint64_t n = 0;
  for (const auto& e : entries) {
    if (e.action == CleanAction::kRemoved || e.action == CleanAction::kWouldRemove) n += e.leftover.bytes;
  }
  return n;
}

Result<CleanReport> clean_leftovers(const CleanOptions& options) {
  auto found = find_leftovers(options.sources);
  if (!found) return found.error();
  CleanReport report{.dry_run = options.dry_run, .entries = {}};
  for (auto& l : *found) {
    CleanEntry e{.leftover = std::move(l), .action = CleanAction::kKept, .error = {}};
    if (e.leftover.in_use) {
      e.action = CleanAction::kKept;
    } else if (options.dry_run) {
      e.action = CleanAction::kWouldRemove;
    } else if (auto removed = remove_leftover(e.leftover, options.sources); removed) {
      e.action = CleanAction::kRemoved;
    } else {
      e.action = CleanAction::kFailed;
      e.error = removed.error().message();
    }
    report.entries.push_back(std::move(e));
  }
  return report;
}

}  // namespace shmh
