// A phase's timeline: what the driver saw every 100 ms — operations so far, kills and pauses so far
// — for the report's throughput-over-time chart (report/stress_html.h). Bounded: past kMaxPoints the
// resolution halves (every other point is dropped and the interval doubles), so an hour-long phase
// keeps at most kMaxPoints points at 200, 400, ... ms.
//
//   PhaseTimeline t;
//   t.offer({.t_s = 0.1, .operations = 120000, .kills = 1, .pauses = 0});  // kept if an interval passed
//   std::vector<TimelinePoint> points = t.take();
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace shmh::stress {

struct TimelinePoint {
  double t_s = 0;                // since the phase began
  std::uint64_t operations = 0;  // the peers' progress counters summed (sends + receives, or the workload's unit)
  std::uint64_t kills = 0;       // so far in the phase
  std::uint64_t pauses = 0;
};

class PhaseTimeline {
 public:
  static constexpr double kInterval = 0.1;  // seconds between points, at first
  static constexpr std::size_t kMaxPoints = 2048;

  // Keeps `p` when at least the current interval has passed since the last kept point.
  void offer(const TimelinePoint& p);
  // Keeps `p` whatever the interval (the phase's last point).
  void close(const TimelinePoint& p);
  [[nodiscard]] std::vector<TimelinePoint> take() { return std::move(points_); }
  [[nodiscard]] double interval() const { return interval_; }

 private:
  void keep(const TimelinePoint& p);
  std::vector<TimelinePoint> points_;
  double interval_ = kInterval;
};

}  // namespace shmh::stress
