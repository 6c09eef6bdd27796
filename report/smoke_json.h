// The JSON report of `shmharness smoke` (schema "shmharness-smoke/1", README): the seed, the
// segment size, each backend's outcome and detail, and the verdict.
#pragma once

#include <string>

#include "core/check/share_check.h"

namespace shmh {

// `size` is the bytes per segment the check used; `sandbox` says where it ran.
std::string render_smoke_json(const ShareCheckResult& result, std::uint64_t size, const std::string& sandbox);

}  // namespace shmh
