// The human summary of `shmharness fuzz run`: one line per target (time, executions, exec/s,
// coverage, new corpus inputs, crashes), then each unique crash with the command that reproduces it.
#pragma once

#include <string>
#include <vector>

#include "fuzz/campaign/campaign.h"

namespace shmh {

std::string render_fuzz_text(const std::vector<fuzz::TargetReport>& reports);

}  // namespace shmh
