// Requirements: what an application needs from the machine's shared-memory limits, parsed from
// `--require segments=16,segment-size=64MiB` or a profile file, and checked against a snapshot —
// each item passes or fails with the reason and the fix (which sysctl, mount option or limit, and
// the value that would do).
//
// Profile format (documented in the README): one `key = value` per line, `#` starts a comment,
// blank lines ignored; the same keys as --require:
//
//   # the trading app on prod hosts
//   segments     = 16        # System V segments it creates
//   segment-size = 64MiB     # the largest one
//   total        = 512MiB    # all System V segments together
//   posix        = 256MiB    # bytes in /dev/shm
//   locked       = 64MiB     # bytes it SHM_LOCKs / mlocks
//   hugepages    = 0         # huge pages it maps
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits/limits_snapshot.h"
#include "core/result.h"

namespace shmh {

enum class RequirementItem { kSegments, kSegmentSize, kTotal, kPosix, kLocked, kHugepages };

// "segments", "segment-size", "total", "posix", "locked", "hugepages".
std::string_view to_string(RequirementItem item);

struct Requirement {
  RequirementItem item = RequirementItem::kSegments;
  std::uint64_t value = 0;  // a count (segments, hugepages) or bytes
};

// Parses "key=value[,key=value...]". Errors (no errno) name the offending item: an unknown key
// (listing the known ones), a malformed or absurd value, a duplicate key, an empty item.
[[nodiscard]] Result<std::vector<Requirement>> parse_requirements(std::string_view text);
// Parses a profile's text; errors name the line: "line 3: unknown key 'segmnts' ...".
[[nodiscard]] Result<std::vector<Requirement>> parse_profile(std::string_view text);

// One sysctl a fix sets: `sysctl -w key=value`.
struct SysctlSetting {
  std::string key;  // "kernel.shmmni"
  std::uint64_t value = 0;
};

struct RequirementResult {
  Requirement requirement;
  std::uint64_t available = 0;  // in the item's unit; kUnlimited when nothing limits it
  bool pass = false;
  std::string reason;                  // what limits it ("kernel.shmmni = 8 with 3 in use")
  std::string fix;                     // empty when passing; "; "-separated steps
  std::vector<SysctlSetting> sysctls;  // the fix's sysctl steps, structured (sysctl_fix.h); empty when passing
};

// Checks each requirement against the snapshot.
std::vector<RequirementResult> evaluate(const LimitsSnapshot& snapshot, const std::vector<Requirement>& requirements);

}  // namespace shmh
