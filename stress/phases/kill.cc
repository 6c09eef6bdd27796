#include "stress/phase_descriptor.h"

namespace shmh::stress {

const PhaseDescriptor& kill_phase() {
  static const PhaseDescriptor phase{
      .name = "kill",
      .summary = "queue, 2 → 2, SIGKILL 20 peers/s inside their channel calls and restart them (weight 2)",
      .workload = "queue",
      .weight = 2,
      .shape = {.writers = 2, .readers = 2, .msg_min = kMinMessage, .msg_max = 65536, .capacity = 32, .kill_rate = 20},
  };
  return phase;
}

}  // namespace shmh::stress
