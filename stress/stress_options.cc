#include "stress/stress_options.h"

#include "core/check.h"

namespace shmh::stress {

const char* to_string(PeerMode mode) { return mode == PeerMode::kThreads ? "threads" : "processes"; }

std::uint64_t option_value(const StressOptions& options, const WorkloadOption& option) {
  for (const auto& v : options.workload_options) {
    if (v.option == &option) return v.value;
  }
  auto fallback = option.parse(option.default_text);
  SHMH_CHECK(fallback.ok(), "a workload option's default does not parse");
  return *fallback;
}

std::uint64_t writer_quota(const std::optional<std::uint64_t>& total, std::uint32_t writers, std::uint32_t w) {
  if (!total) return ~std::uint64_t{0};
  if (writers == 0) return 0;
  return *total / writers + (w < *total % writers ? 1 : 0);
}

}  // namespace shmh::stress
