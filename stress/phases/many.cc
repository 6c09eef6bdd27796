#include "stress/phase_descriptor.h"

namespace shmh::stress {

// On a channel that takes one writer and one reader the campaign fits it to 1 → 1 (larger messages
// and fewer slots than `1w1r`): one channel cannot have more peers than cores there.
const PhaseDescriptor& many_phase() {
  static const PhaseDescriptor phase{
      .name = "many",
      .summary =
          "queue, 4 writers and 4 readers (more peers than cores), sizes 8..4092 (tiny ones need one writer), 16 slots",
      .workload = "queue",
      .weight = 1,
      .shape = {.writers = 4, .readers = 4, .msg_min = kMinMessage, .msg_max = 4092, .capacity = 16},
  };
  return phase;
}

}  // namespace shmh::stress
