#include "stress/phase_descriptor.h"

namespace shmh::stress {

const PhaseDescriptor& pause_phase() {
  static const PhaseDescriptor phase{
      .name = "pause",
      .summary = "queue, 3 → 1, SIGSTOP 20 peers/s inside their calls for 1 ms..2 s, then SIGCONT (processes only)",
      .workload = "queue",
      .weight = 3,  // pauses last up to seconds (263 ms on average): the phase needs the time to land dozens
      .shape = {.writers = 3, .readers = 1, .msg_min = kMinMessage, .msg_max = 512, .capacity = 32, .pause_rate = 20},
  };
  return phase;
}

}  // namespace shmh::stress
