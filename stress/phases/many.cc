#include "core/channel/shmh_channel.h"
#include "stress/phase_descriptor.h"

namespace shmh::stress {
namespace {

// More peers than cores needs more than one writer or reader on the channel.
std::optional<std::string> applies_to(const PhaseFit& fit) {
  if ((fit.channel_flags & (SHMH_CHANNEL_MULTI_WRITER | SHMH_CHANNEL_MULTI_READER)) == 0) {
    return "needs several writers or readers; channel " + std::string(fit.channel_name) + " takes one of each";
  }
  return std::nullopt;
}

}  // namespace

const PhaseDescriptor& many_phase() {
  static const PhaseDescriptor phase{
      .name = "many",
      .summary =
          "queue, 4 writers and 4 readers (more peers than cores), sizes 8..4092 (tiny ones need one writer), 16 slots",
      .workload = "queue",
      .weight = 1,
      .shape = {.writers = 4, .readers = 4, .msg_min = kMinMessage, .msg_max = 4092, .capacity = 16},
      .applies_to = applies_to,
  };
  return phase;
}

}  // namespace shmh::stress
