// The end of a message-flow phase: the ledger's audit (sent, received, lost, abandoned), what the
// readers (and the final drain) counted (duplicated, corrupt, reordered, channel errors, bytes,
// latency), turned into the phase's counts, latency and findings — each finding with its count
// and the first example a peer recorded.
#pragma once

#include <cstdint>

#include "stress/flow/flow.h"

namespace shmh::stress {

// Fills out.result.counts, out.result.latency, out.histogram and adds the findings. `leftovers`
// holds what the final drain counted; `kills` is how many peers the phase killed (for the text).
void audit_flow(Flow& flow, const PeerRecord& leftovers, std::uint64_t kills, bool stalled, PhaseOutcome& out);

}  // namespace shmh::stress
