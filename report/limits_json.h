// The JSON report of `shmharness limits` (schema: README "limits JSON"). Stable keys; byte and
// count values are numbers; null means "unlimited" or "not available here".
#pragma once

#include <string>

#include "core/limits/limits_check.h"

namespace shmh {

std::string render_limits_json(const LimitsOutcome& outcome);

}  // namespace shmh
