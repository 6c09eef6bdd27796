// Clean: what `shmharness clean` does with the leftovers (leftovers.h) it finds — remove each one
// no longer in use (or only list it, with dry_run), keep the ones in use, and record every
// decision, so the report says what happened to each object.
//
//   auto report = shmh::clean_leftovers({.dry_run = true});
//   report->would_remove();   // how many a real run would remove
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/cleanup/leftovers.h"
#include "core/result.h"

namespace shmh {

enum class CleanAction { kKept, kWouldRemove, kRemoved, kFailed };

struct CleanEntry {
  Leftover leftover;
  CleanAction action = CleanAction::kKept;
  std::string error;  // kFailed: why (run as its owner or as root)
};

struct CleanReport {
  bool dry_run = false;
  std::vector<CleanEntry> entries;

  [[nodiscard]] std::size_t count(CleanAction action) const;
  // Bytes of the entries removed, or that would be with dry_run.
  [[nodiscard]] std::uint64_t bytes() const;
};

struct CleanOptions {
  bool dry_run = false;
  LeftoverSources sources;
};

// Finds the leftovers and acts on each. Errors: reading /proc/sysvipc/shm or /dev/shm (a failed
// removal is an entry, not an error).
[[nodiscard]] Result<CleanReport> clean_leftovers(const CleanOptions& options);

}  // namespace shmh
