// The share check: proves that two processes really share memory through each backend. For each
// backend the parent creates a segment and maps it; a child maps it on its own and writes a
// seeded pattern; the parent's earlier mapping must show every byte; the parent writes a second
// pattern and another child must read it back exactly; then the segment is removed and must be
// gone (IPC_STAT / shm_open answer EINVAL / ENOENT).
//
//   auto r = shmh::run_share_check({.size = 1 << 20, .seed = 42});
//   for (const auto& b : r->backends) ... b.passed, b.detail ...
//
// Segments are made through SharedRegion, under tagged keys and names, so a crash outside a
// sandbox leaves nothing `shmharness clean` cannot find.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/segment/backend.h"

namespace shmh {

struct ShareCheckOptions {
  std::vector<Backend> backends{kAllBackends.begin(), kAllBackends.end()};
  std::size_t size = std::size_t{1} << 20;  // bytes per segment, ≥ 1
  std::uint64_t seed = 1;
  bool tagged = false;  // tagged keys/names (outside a sandbox)
  // Refuse a segment larger than this (the caller passes MemAvailable); unset: no limit (--force).
  // A machine that cannot hold the segment would otherwise make a child time out, which reads as
  // a sharing failure although nothing was shared wrongly.
  std::optional<std::uint64_t> memory_budget;
  std::chrono::milliseconds child_timeout{30'000};
};

// kFail: the memory was not shared correctly (a finding). kError: the check could not run (a
// call failed: no memory, a full /dev/shm, a missing permission) — the detail says what to do.
enum class Outcome { kPass, kFail, kError };

// "pass", "fail", "error" (the JSON report's words; the text report shows them upper-case).
const char* to_string(Outcome outcome);

struct BackendVerdict {
  Backend backend = Backend::kSysv;
  Outcome outcome = Outcome::kError;
  std::string detail;  // what failed, or what was proved
  std::uint64_t bytes_checked = 0;
  double seconds = 0;
};

struct ShareCheckResult {
  std::uint64_t seed = 0;
  std::vector<BackendVerdict> backends;
  // kFail if any backend failed, else kError if any could not run, else kPass.
  [[nodiscard]] Outcome outcome() const;
};

// Runs the check on every requested backend. A backend's failure (a mismatch, a child that died)
// or error (a failed call) is recorded in its verdict; the Result fails only on a bad option (size 0, no
// backend, a size beyond memory_budget).
[[nodiscard]] Result<ShareCheckResult> run_share_check(const ShareCheckOptions& options);

// The option checks run_share_check starts with, alone (so a caller can refuse before it prints
// anything). Errors: size 0, no backend, a size beyond memory_budget.
[[nodiscard]] Result<void> check_share_options(const ShareCheckOptions& options);

}  // namespace shmh
