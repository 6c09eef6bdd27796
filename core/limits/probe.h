// Probe: proves a profile by doing what it asks — creating and touching the segments, the POSIX
// bytes, the locked memory and the huge pages — then removing all of it. Where a sandbox can be
// made, the probe runs in one whose limits are the machine's *headroom* (shmmni and shmall less
// what is in use, /dev/shm sized to what is free), so it proves exactly what the host would allow
// while nothing can leak; memory, the cgroup and RLIMIT_MEMLOCK are the real ones. Otherwise it
// runs in the host's namespaces with tagged objects, removed at the end.
//
//   auto r = shmh::run_probe(*snapshot, requirements, {.max_bytes = 1 << 30});
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/limits/limits_snapshot.h"
#include "core/limits/requirements.h"
#include "core/result.h"

namespace shmh {

struct ProbeProgress {
  std::string step;         // "segment-size", "posix", ...
  std::uint64_t done = 0;   // bytes touched so far in this step
  std::uint64_t total = 0;  // bytes this step touches
};

struct ProbeOptions {
  std::uint64_t max_bytes = std::uint64_t{1} << 30;  // refuse a probe that would touch more
  bool force = false;                                // probe even beyond MemAvailable
  // Called now and then during large steps (from the probing process; may be empty).
  std::function<void(const ProbeProgress&)> progress;
};

struct ProbeItem {
  RequirementItem item = RequirementItem::kSegments;
  bool pass = false;
  std::string detail;  // what was created and touched, or the call that failed
};

struct ProbeResult {
  std::string where;        // "sandbox mirroring the host's headroom (privileged)" or "host namespaces, tagged objects"
  std::uint64_t bytes = 0;  // bytes the probe touches
  std::vector<ProbeItem> items;
};

// The bytes a probe of these requirements touches.
std::uint64_t probe_bytes(const LimitsSnapshot& host, const std::vector<Requirement>& requirements);

// Errors (nothing probed): more bytes than max_bytes, more than MemAvailable without force.
[[nodiscard]] Result<ProbeResult> run_probe(const LimitsSnapshot& host, const std::vector<Requirement>& requirements,
                                            const ProbeOptions& options);

}  // namespace shmh
