// The HTML report of `shmharness fuzz run --html FILE` (report/html_page.h): the verdict and a
// table of targets, then per target its coverage, corpus size and executions over time (libFuzzer's
// status lines) and its crashes with their reproducers. Drawn from the JSON report (fuzz_json.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/campaign/campaign.h"

namespace shmh {

std::string render_fuzz_html(const std::vector<fuzz::TargetReport>& reports, unsigned jobs, std::uint64_t seconds,
                             std::string_view chart_js);

}  // namespace shmh
