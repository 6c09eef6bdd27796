// The HTML report of `shmharness stress --html FILE` (report/html_page.h): a summary with the
// verdict, the totals and every finding with its replay command; then per phase its throughput
// every 100 ms with kills, pauses and findings marked where they happened, its latency histogram and
// percentiles, and each finding's flight-recorder excerpt. Drawn from the JSON report (stress_json.h).
#pragma once

#include <string>
#include <string_view>

#include "stress/stress_result.h"

namespace shmh {

std::string render_stress_html(const stress::StressResult& result, std::string_view chart_js);

}  // namespace shmh
