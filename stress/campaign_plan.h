// The phases a run executes. With no narrowing option (--workload, --writers, --readers,
// --msg-size, --capacity, --kill) the campaign explores what exposes shared-memory bugs, each phase
// short, the run's duration shared among them:
//
//   1w1r          queue, 1 writer → 1 reader, sizes 24..1024
//   many          queue, 4 writers, 4 readers (more peers than cores), sizes 24..4092, 16 slots
//   edges         queue, 2 → 2, 2 slots, zero timeouts (the full and empty paths), sizes at the limits
//   backpressure  queue, 2 → 1, writers burst, the reader pauses: a channel that is always full
//   kill          queue, 2 → 2, SIGKILL 20 peers/s and restart them (processes only)
//   broadcast     broadcast, 2 writers → 3 readers
//
// With any narrowing option: one phase named after its workload with the given values and
// defaults for the rest (2 writers, 2 readers, sizes 24..256, 64 slots, no kills).
#pragma once

#include <vector>

#include "stress/stress_options.h"

namespace shmh::stress {

[[nodiscard]] bool narrows(const StressOptions& options);
[[nodiscard]] std::vector<Phase> plan_phases(const StressOptions& options);

}  // namespace shmh::stress
