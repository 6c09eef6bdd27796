#include "stress/phase_descriptor.h"

namespace shmh::stress {

const PhaseDescriptor& edges_phase() {
  static const PhaseDescriptor phase{
      .name = "edges",
      .summary = "queue, 2 → 2, 2 slots, zero timeouts (the full and empty paths), sizes at the limits",
      .workload = "queue",
      .weight = 1,
      .shape = {.writers = 2, .readers = 2, .msg_min = kMinMessage, .msg_max = 4092, .capacity = 2, .op_timeout_ns = 0},
  };
  return phase;
}

}  // namespace shmh::stress
