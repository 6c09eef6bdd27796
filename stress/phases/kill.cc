#include "stress/phase_descriptor.h"

namespace shmh::stress {

const PhaseDescriptor& kill_phase() {
  static const PhaseDescriptor phase{
      .name = "kill",
      .summary = "queue, 2 → 2, SIGKILL 20 peers/s and restart them (processes only: see the kill perturbation)",
      .workload = "queue",
      .weight = 1,
      .shape = {.writers = 2, .readers = 2, .msg_min = kMinMessage, .msg_max = 512, .capacity = 32, .kill_rate = 20},
  };
  return phase;
}

}  // namespace shmh::stress
