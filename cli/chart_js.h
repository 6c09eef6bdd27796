// Chart.js for the --html reports (report/html_page.h), read before a run starts so a missing
// package is a one-line usage error, not a lost report at the end: $SHMH_CHARTJS if set, else
// Debian's libjs-chart.js (/usr/share/javascript/chart.js/chart.min.js).
#pragma once

#include <string>

#include "core/result.h"

namespace shmh::cli {

inline constexpr const char* kChartJsPath = "/usr/share/javascript/chart.js/chart.min.js";

// The script's text; the error says which file was missing and what to install.
Result<std::string> load_chart_js();

}  // namespace shmh::cli
