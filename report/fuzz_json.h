// The JSON report of `shmharness fuzz run` (schema: README "fuzz JSON"). Stable keys; the verdict
// and the exit code agree ("fail" when any target has a crash: exit 1; "interrupted" when Ctrl-C
// ended the run first: exit 2; else "pass": exit 0).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "fuzz/campaign/campaign.h"

namespace shmh {

// The report as a JSON document (what the HTML report draws from), and as text.
nlohmann::ordered_json fuzz_json(const std::vector<fuzz::TargetReport>& reports, unsigned jobs, std::uint64_t seconds,
                                 const std::string& channel = "");
std::string render_fuzz_json(const std::vector<fuzz::TargetReport>& reports, unsigned jobs, std::uint64_t seconds,
                             const std::string& channel = "");

}  // namespace shmh
