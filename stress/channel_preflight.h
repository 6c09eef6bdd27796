// Channel preflight: before a run forks peers around a channel — possibly a user's plugin — one
// throwaway child creates it, opens a second handle, sends a framed message, receives it back
// intact, and destroys it. A plugin that crashes, hangs or misbehaves in these basic steps gives a
// one-line error naming the step (exit 2) instead of taking the harness down with it.
#pragma once

#include <chrono>
#include <string>

#include "core/channel/shmh_channel.h"
#include "core/result.h"

namespace shmh::stress {

// "" when the channel passed, else what went wrong: "crashed in send (SIGSEGV)", "open: ...".
[[nodiscard]] std::string preflight_channel(const shmh_channel_vtable& vtable, const shmh_channel_config& config,
                                            std::chrono::milliseconds timeout);

}  // namespace shmh::stress
