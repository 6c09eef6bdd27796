#include "stress/workloads/queue.h"

#include "stress/message_flow.h"

namespace shmh::stress {

const WorkloadDescriptor& queue_workload() {
  static const WorkloadDescriptor descriptor{
      .name = "queue",
      .help = "N writers, M readers, one channel: every message exactly once, intact, in order per writer",
      .uses_channel = true,
      .has_readers = true,
      .unit = "msg/s",
      .backends = kAllBackends,
      .defaults = {},
      .options = {},
      .describe = describe_message_phase,
      .unsupported = [](const WorkloadEnv& env) { return message_flow_unsupported(env, Topology::kQueue); },
      .fit = [](Phase& phase, std::uint32_t flags) { return fit_message_phase(phase, flags, Topology::kQueue); },
      .run = [](WorkloadEnv& env) { return run_message_flow(env, Topology::kQueue); },
  };
  return descriptor;
}

}  // namespace shmh::stress
