// `broadcast`: every reader sees every message. The channel ABI moves each message to one reader,
// so the fan-out is one channel per reader: a writer sends each message to every reader's channel,
// and each reader must receive all of every writer's messages, exactly once, intact, in order.
#pragma once

#include "stress/workload.h"

namespace shmh::stress {

const WorkloadDescriptor& broadcast_workload();

}  // namespace shmh::stress
