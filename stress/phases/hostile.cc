#include "stress/phase_descriptor.h"

namespace shmh::stress {

const PhaseDescriptor& hostile_phase() {
  static const PhaseDescriptor phase{
      .name = "hostile",
      .summary =
          "hostile, 2 → 2, a scribbler process rewrites the channel's shared bytes: no crash, no hang, no "
          "answer outside the ABI (channels that expose shared_bytes; processes only)",
      .workload = "hostile",
      .weight = 1,
      .shape = {.writers = 2, .readers = 2, .msg_min = 24, .msg_max = 128, .capacity = 16, .op_timeout_ns = 5'000'000},
  };
  return phase;
}

}  // namespace shmh::stress
