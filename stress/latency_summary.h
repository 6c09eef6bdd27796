// The percentiles a report shows, from a latency histogram.
#pragma once

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

}  // namespace shmh::stress
