#include "stress/phase_descriptor.h"

namespace shmh::stress {

const PhaseDescriptor& one_to_one_phase() {
  static const PhaseDescriptor phase{
      .name = "1w1r",
      .summary = "queue, 1 writer → 1 reader, sizes 0..1024: the plain stream",
      .workload = "queue",
      .weight = 1,
      .shape = {.writers = 1, .readers = 1, .msg_min = kMinMessage, .msg_max = 1024, .capacity = 64},
  };
  return phase;
}

}  // namespace shmh::stress
