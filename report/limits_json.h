// The JSON report of `shmharness limits` (schema: README "limits JSON"). Stable keys; byte and
// count values are numbers; null means "unlimited" or "not available here".
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "core/limits/limits_check.h"

namespace shmh {

// The report as a JSON document (what the HTML report draws from), and as text.
nlohmann::json limits_json(const LimitsOutcome& outcome);
std::string render_limits_json(const LimitsOutcome& outcome);

}  // namespace shmh
