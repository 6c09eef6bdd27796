// The HTML report of `shmharness limits --html FILE` (report/html_page.h): the verdict, every check
// (requirements, probe, self-test, audit) in one table with the failing ones first and their fixes,
// then the limits with usage and headroom (a chart of how full each one is). Drawn from the JSON
// report (limits_json.h).
#pragma once

#include <string>
#include <string_view>

#include "core/limits/limits_check.h"

namespace shmh {

std::string render_limits_html(const LimitsOutcome& outcome, std::string_view chart_js);

}  // namespace shmh
