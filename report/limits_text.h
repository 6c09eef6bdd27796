// The human report of `shmharness limits`: a table of limits with usage and headroom (like
// lsipc's), then requirements, probe, self-test and audit, then the verdict line.
#pragma once

#include <string>

#include "core/limits/limits_check.h"

namespace shmh {

std::string render_limits_text(const LimitsOutcome& outcome);
// "verdict: PASS": the text's last line alone (--quiet).
std::string render_limits_verdict(const LimitsOutcome& outcome);

}  // namespace shmh
