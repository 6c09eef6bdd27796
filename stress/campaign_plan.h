// The phases a run executes. With no narrowing option (--workload, --writers, --readers,
// --msg-size, --capacity, --kill, --pause) the run is the default campaign (phase_descriptor.h: one file per
// phase under stress/phases/), the run's duration shared among the phases by weight. With any
// narrowing option: one phase named after its workload, with the given values and the workload's
// defaults (WorkloadDescriptor::defaults) for the rest.
#pragma once

#include <vector>

#include "stress/stress_options.h"

namespace shmh::stress {

[[nodiscard]] bool narrows(const StressOptions& options);
// Precondition: options.workload, when set, names a workload (validate() checked it).
[[nodiscard]] std::vector<Phase> plan_phases(const StressOptions& options);

}  // namespace shmh::stress
