// The message flow shared by the channel workloads (queue, broadcast): writers send framed
// messages (core/framing) of seeded sizes, stamped with their send time; readers check every
// message as hostile bytes, record its arrival in the DeliveryLedger and its latency, and the
// audit at the end accounts for every message.
//
// Topology: kQueue — one channel, every reader competes, each message must reach exactly one
// reader; kBroadcast — one channel per reader, each writer sends every message to every reader's
// channel, each reader must see every message exactly once.
#pragma once

#include "stress/workload.h"

namespace shmh::stress {

enum class Topology { kQueue, kBroadcast };

// Why the phase cannot run on this channel ("" when it can): writers/readers beyond what the
// channel's flags allow, sizes out of range, --kill with threads.
std::string message_flow_unsupported(const WorkloadEnv& env, Topology topology);

PhaseOutcome run_message_flow(WorkloadEnv& env, Topology topology);

}  // namespace shmh::stress
