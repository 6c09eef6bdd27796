// Channel preflight: before a run forks peers around a channel — possibly a user's plugin — one
// throwaway child creates it, opens a second handle, sends a framed message, receives it back
// intact, and destroys it. A plugin that crashes, hangs or misbehaves in these basic steps gives a
// one-line error naming the step (exit 2) instead of taking the harness down with it.
#pragma once

#include <chrono>

#include "core/channel/shmh_channel.h"
#include "core/result.h"

namespace shmh::stress {

// Errors: what went wrong, as logic_error("preflight", "crashed in send (SIGSEGV)" / "open: ..." /
// "hung in recv for 10000 ms") — logic_error("preflight create", ...) when create returned an error
// (the geometry may be beyond what the channel takes) — or the mmap / fork that could not be done.
[[nodiscard]] Result<void> preflight_channel(const shmh_channel_vtable& vtable, const shmh_channel_config& config,
                                             std::chrono::milliseconds timeout);

}  // namespace shmh::stress
