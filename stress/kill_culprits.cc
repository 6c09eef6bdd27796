#include "stress/kill_culprits.h"

#include <algorithm>

namespace shmh::stress {

std::vector<std::size_t> culprit_kills(std::span<const std::uint64_t> kill_ticks, std::uint64_t last_progress_tick,
                                       bool progress_seen, std::size_t max) {
  std::uint64_t stopped_at = last_progress_tick;
  if (!progress_seen && !kill_ticks.empty()) stopped_at = std::max(stopped_at, kill_ticks.front());
  std::vector<std::size_t> out;
  for (std::size_t i = kill_ticks.size(); i-- > 0 && out.size() < max;) {
    if (kill_ticks[i] <= stopped_at + kCulpritSlackTicks) out.push_back(i);
  }
  return out;
}

}  // namespace shmh::stress
