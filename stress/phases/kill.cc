#include "stress/phase_descriptor.h"

namespace shmh::stress {

namespace {

// A thread cannot be killed on its own: the kills need peers as processes.
std::optional<std::string> applies_to(const PhaseFit& fit) {
  if (fit.mode == PeerMode::kThreads) return "--kill needs processes (a thread cannot be killed)";
  return std::nullopt;
}

}  // namespace

const PhaseDescriptor& kill_phase() {
  static const PhaseDescriptor phase{
      .name = "kill",
      .summary = "queue, 2 → 2, SIGKILL 20 peers/s and restart them (processes only)",
      .workload = "queue",
      .weight = 1,
      .shape = {.writers = 2, .readers = 2, .msg_min = kMinMessage, .msg_max = 512, .capacity = 32, .kill_rate = 20},
      .applies_to = applies_to,
  };
  return phase;
}

}  // namespace shmh::stress
