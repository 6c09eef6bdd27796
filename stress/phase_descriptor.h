// PhaseDescriptor: one phase of the default campaign — what `shmharness stress --channel X` runs
// when no option narrows it. Each phase varies something that exposes shared-memory bugs (peers,
// sizes, capacity, timeouts, perturbations) and lives in its own file under stress/phases/; the
// campaign is the ordered list in stress/phases/campaign.cc. The run's duration is shared among
// the phases by weight.
//
// Adding a phase: stress/phases/<name>.cc defining `const PhaseDescriptor& <name>_phase()`, and its
// declaration and place in the list in stress/phases/campaign.cc.
//
//   for (const PhaseDescriptor* p : campaign_phases()) ...p->name, p->shape.writers...
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "stress/stress_options.h"

namespace shmh::stress {

// What a phase may depend on to decide whether it applies.
struct PhaseFit {
  std::uint32_t channel_flags = 0;  // SHMH_CHANNEL_* of the run's channel (0 without one)
  std::string_view channel_name;    // its vtable's name ("" without one)
  PeerMode mode = PeerMode::kProcesses;
  bool no_kill = false;  // --no-kill
};

struct PhaseDescriptor {
  std::string_view name;
  std::string_view summary;   // one line: what it varies and why (--help, README)
  std::string_view workload;  // a workload's name (workload.h)
  double weight = 1;          // its share of the run's duration, relative to the others'
  PhaseShape shape;
  // Why the phase cannot run here (nullopt when it can), beyond what its workload checks; may be null.
  std::optional<std::string> (*applies_to)(const PhaseFit& fit) = nullptr;
};

// The default campaign, in the order it runs.
std::span<const PhaseDescriptor* const> campaign_phases();
const PhaseDescriptor* find_phase(std::string_view name);

}  // namespace shmh::stress
