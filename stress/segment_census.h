// SegmentCensus: the shared-memory objects that exist in the caller's namespaces — System V
// segments (/proc/sysvipc/shm) and POSIX objects (/dev/shm) — so a run can name what it leaked:
// whatever exists after the run that did not before. In a sandbox the namespaces are the run's
// own; outside one, an object another program creates meanwhile would be counted too.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/result.h"

namespace shmh::stress {

struct SegmentCensus {
  std::set<std::string> objects;  // "sysv key 0x… id N", "posix /name"
};

[[nodiscard]] Result<SegmentCensus> take_census();
// Objects in `after` that are not in `before`.
[[nodiscard]] std::vector<std::string> leaked(const SegmentCensus& before, const SegmentCensus& after);

}  // namespace shmh::stress
