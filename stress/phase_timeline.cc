#include "stress/phase_timeline.h"

namespace shmh::stress {

void PhaseTimeline::offer(const TimelinePoint& p) {
  if (!points_.empty() && p.t_s - points_.back().t_s < interval_) return;
  keep(p);
}

void PhaseTimeline::close(const TimelinePoint& p) {
  if (!points_.empty() && p.t_s <= points_.back().t_s) return;
  keep(p);
}

void PhaseTimeline::keep(const TimelinePoint& p) {
  points_.push_back(p);
  if (points_.size() <= kMaxPoints) return;
  // Halve the resolution: keep the even points (the first one stays), double the interval.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < points_.size(); i += 2) points_[kept++] = points_[i];
  points_.resize(kept);
  interval_ *= 2;
}

}  // namespace shmh::stress
