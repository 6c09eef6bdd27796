#include "stress/phase_descriptor.h"

namespace shmh::stress {

const PhaseDescriptor& many_phase() {
  static const PhaseDescriptor phase{
      .name = "many",
      .summary = "queue, 4 writers and 4 readers (more peers than cores), sizes 24..4092, 16 slots",
      .workload = "queue",
      .weight = 1,
      .shape = {.writers = 4, .readers = 4, .msg_min = kMinMessage, .msg_max = 4092, .capacity = 16},
  };
  return phase;
}

}  // namespace shmh::stress
