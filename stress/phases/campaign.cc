// The default campaign: every phase, in the order it runs.
#include <array>

#include "stress/phase_descriptor.h"

namespace shmh::stress {

const PhaseDescriptor& one_to_one_phase();
const PhaseDescriptor& many_phase();
const PhaseDescriptor& edges_phase();
const PhaseDescriptor& backpressure_phase();
const PhaseDescriptor& kill_phase();
const PhaseDescriptor& pause_phase();
const PhaseDescriptor& broadcast_phase();
const PhaseDescriptor& wakeup_phase();
const PhaseDescriptor& hostile_phase();

std::span<const PhaseDescriptor* const> campaign_phases() {
  static const std::array<const PhaseDescriptor*, 9> all = {
      &one_to_one_phase(), &many_phase(),      &edges_phase(),  &backpressure_phase(), &kill_phase(),
      &pause_phase(),      &broadcast_phase(), &wakeup_phase(), &hostile_phase(),
  };
  return all;
}

const PhaseDescriptor* find_phase(std::string_view name) {
  for (const auto* p : campaign_phases()) {
    if (p->name == name) return p;
  }
  return nullptr;
}

}  // namespace shmh::stress
