#include "stress/phase_descriptor.h"

namespace shmh::stress {

const PhaseDescriptor& broadcast_phase() {
  static const PhaseDescriptor phase{
      .name = "broadcast",
      .summary = "broadcast, 2 writers → 3 readers: every reader sees every message",
      .workload = "broadcast",
      .weight = 1,
      .shape = {.writers = 2, .readers = 3, .msg_min = kMinMessage, .msg_max = 512, .capacity = 32},
  };
  return phase;
}

}  // namespace shmh::stress
