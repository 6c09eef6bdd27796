#include "stress/phase_descriptor.h"

namespace shmh::stress {

const PhaseDescriptor& wakeup_phase() {
  static const PhaseDescriptor phase{
      .name = "wakeup",
      .summary =
          "queue, 1 → 1 in lockstep (each message sent while the reader waits for it), 20 ms timeouts: "
          "a wait that times out with the message there is a lost wake-up (weight 2)",
      .workload = "queue",
      .weight = 2,  // a wait is judged only when the reader ran it undisturbed: give it the time
      .shape = {.writers = 1,
                .readers = 1,
                .msg_min = kMinMessage,
                .msg_max = 256,
                .capacity = 8,
                .op_timeout_ns = 20'000'000,
                .lockstep = true},
  };
  return phase;
}

}  // namespace shmh::stress
