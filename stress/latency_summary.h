// The percentiles and the per-power-of-two bins a report shows, from a latency histogram.
#pragma once

#include <vector>

#include "core/stats/latency_histogram.h"
#include "stress/stress_result.h"

namespace shmh::stress {

inline Latency summarize(const stats::LatencyHistogram& h) {
  return Latency{.samples = h.count(),
                 .p50 = h.percentile(0.50),
                 .p99 = h.percentile(0.99),
                 .p999 = h.percentile(0.999),
                 .max = h.max()};
}

// The histogram per power of two, for the report's chart.
inline std::vector<LatencyBin> latency_bins(const stats::LatencyHistogram& h) {
  std::vector<LatencyBin> out;
  for (const auto& b : h.coarse_bins()) out.push_back(LatencyBin{.upper_ns = b.upper, .count = b.count});
  return out;
}

}  // namespace shmh::stress
