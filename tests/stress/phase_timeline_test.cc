// The phase timeline keeps a point per interval and stays bounded however long the phase.
#include "stress/phase_timeline.h"

#include <gtest/gtest.h>

namespace shmh::stress {
namespace {

TEST(PhaseTimeline, KeepsOnePointPerInterval) {
  PhaseTimeline t;
  for (std::uint64_t i = 0; i <= 20; ++i) {
    t.offer({.t_s = 0.05 * static_cast<double>(i), .operations = 10 * i, .kills = 0, .pauses = 0});
  }
  t.close({.t_s = 1.03, .operations = 999, .kills = 2, .pauses = 1});
  const auto points = t.take();
  ASSERT_GE(points.size(), 10U);
  ASSERT_LE(points.size(), 12U);
  EXPECT_EQ(points.front().t_s, 0.0);
  EXPECT_EQ(points.back().operations, 999U);  // the phase's last point, whatever the interval
  for (std::size_t i = 1; i < points.size(); ++i) {
    EXPECT_GT(points[i].t_s, points[i - 1].t_s);
    if (i + 1 < points.size()) {
      EXPECT_GE(points[i].t_s - points[i - 1].t_s, PhaseTimeline::kInterval - 1e-9);
    }
  }
}

TEST(PhaseTimeline, ALongPhaseHalvesItsResolutionInsteadOfGrowing) {
  PhaseTimeline t;
  const int ticks = 100'000;  // 10 000 s of 100 ms points
  for (int i = 0; i < ticks; ++i)
    t.offer({.t_s = 0.1 * i, .operations = static_cast<std::uint64_t>(i), .kills = 0, .pauses = 0});
  EXPECT_GT(t.interval(), PhaseTimeline::kInterval);
  const auto points = t.take();
  EXPECT_LE(points.size(), PhaseTimeline::kMaxPoints);
  EXPECT_GE(points.size(), PhaseTimeline::kMaxPoints / 4);
  EXPECT_EQ(points.front().operations, 0U);
  for (std::size_t i = 1; i < points.size(); ++i) EXPECT_GT(points[i].operations, points[i - 1].operations);
}

}  // namespace
}  // namespace shmh::stress
