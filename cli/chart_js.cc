#include "cli/chart_js.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace shmh::cli {

Result<std::string> load_chart_js() {
  const char* env = std::getenv("SHMH_CHARTJS");  // NOLINT(concurrency-mt-unsafe): read before any thread
  const std::string path = env != nullptr && *env != '\0' ? env : kChartJsPath;
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    const int err = errno != 0 ? errno : ENOENT;
    return sys_error(err, "--html",
                     "needs Chart.js at " + path +
                         " to draw the report: apt-get install libjs-chart.js (or set SHMH_CHARTJS to a copy of "
                         "chart.min.js 3.x)");
  }
  return text.str();
}

}  // namespace shmh::cli
