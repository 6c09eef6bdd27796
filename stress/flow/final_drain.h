// The runner's final drain of a message-flow phase: what the readers left in every lane is
// received (timeout 0) and checked like any arrival. With peers as processes it runs in a child
// under a time limit, so a channel that hangs whoever calls it cannot hang the runner; its counts
// come back through shared memory (the ledger already is).
#pragma once

#include <chrono>
#include <optional>

#include "core/result.h"
#include "stress/flow/flow.h"

namespace shmh::stress {

inline constexpr std::chrono::milliseconds kFinalDrainLimit{10'000};

// Drains every lane into `leftovers`. Errors: a lane cannot be opened, the child cannot be
// started, the drain hung for kFinalDrainLimit (ETIMEDOUT) or the child died (its exit described).
Result<void> drain_leftovers(const Flow& flow, PeerRecord& leftovers);

}  // namespace shmh::stress
