#include "stress/phase_descriptor.h"

namespace shmh::stress {

const PhaseDescriptor& backpressure_phase() {
  static const PhaseDescriptor phase{
      .name = "backpressure",
      .summary = "queue, 2 → 1, writers burst, the reader pauses: a channel that is always full",
      .workload = "queue",
      .weight = 1,
      .shape = {.writers = 2,
                .readers = 1,
                .msg_min = kMinMessage,
                .msg_max = 256,
                .capacity = 8,
                .op_timeout_ns = 1'000'000,
                .reader_pause_us = 300,
                .burst = 32},
  };
  return phase;
}

}  // namespace shmh::stress
