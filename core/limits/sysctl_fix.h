// The fix as a file an operator applies (`limits --fix-file F`): a sysctl.d drop-in raising each
// kernel limit the unmet requirements need, never lowering one — a setting is written only when
// the running value is below what is needed — and, as comments, the fixes that are not sysctls
// (the /dev/shm size, the memlock limit, the cgroup's memory.max) to make by hand.
//
//   SysctlFix fix = plan_sysctl_fix(snapshot, results);
//   write(path, render_sysctl_dropin(fix, "segments=16,total=512MiB"));
#pragma once

#include <string>
#include <vector>

#include "core/limits/limits_snapshot.h"
#include "core/limits/requirements.h"

namespace shmh {

struct SysctlFix {
  std::vector<SysctlSetting> settings;  // each above the running value; one per key (the largest needed)
  std::vector<std::string> by_hand;     // steps that are not sysctls, once each
};

SysctlFix plan_sysctl_fix(const LimitsSnapshot& snapshot, const std::vector<RequirementResult>& results);

// The drop-in's text; `requirements` is what the header says it was written for.
std::string render_sysctl_dropin(const SysctlFix& fix, const std::string& requirements);

}  // namespace shmh
