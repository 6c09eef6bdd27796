// `queue`: N writers and M readers on one channel; every message is received exactly once, intact,
// and — where the channel promises FIFO per writer — each reader sees a writer's messages in order.
#pragma once

#include "stress/workload.h"

namespace shmh::stress {

const WorkloadDescriptor& queue_workload();

}  // namespace shmh::stress
