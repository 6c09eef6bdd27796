#include "stress/workloads/broadcast.h"

#include "stress/message_flow.h"

namespace shmh::stress {

const WorkloadDescriptor& broadcast_workload() {
  static const WorkloadDescriptor descriptor{
      .name = "broadcast",
      .help = "every reader sees every message (one channel per reader, writers fan out)",
      .uses_channel = true,
      .has_readers = true,
      .unit = "msg/s",
      .backends = kAllBackends,
      .defaults = {},
      .options = {},
      .describe = describe_message_phase,
      .unsupported = [](const WorkloadEnv& env) { return message_flow_unsupported(env, Topology::kBroadcast); },
      .fit = [](Phase& phase, std::uint32_t flags) { return fit_message_phase(phase, flags, Topology::kBroadcast); },
      .run = [](WorkloadEnv& env) { return run_message_flow(env, Topology::kBroadcast); },
  };
  return descriptor;
}

}  // namespace shmh::stress
