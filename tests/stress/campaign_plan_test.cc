#include "stress/campaign_plan.h"

#include <gtest/gtest.h>

#include <set>

#include "stress/phase_descriptor.h"

namespace shmh::stress {
namespace {

TEST(CampaignPlan, TheDefaultCampaignExploresAndSharesTheDuration) {
  StressOptions o;
  o.duration = std::chrono::milliseconds(6000);
  const auto phases = plan_phases(o);
  ASSERT_GE(phases.size(), 5U);
  std::set<std::string> workloads;
  bool many = false, kill = false, poll = false, pause = false, one = false, stopped = false;
  for (const auto& p : phases) {
    workloads.insert(p.workload);
    many = many || (p.writers > 2 && p.readers > 2);
    one = one || (p.writers == 1 && p.readers == 1);
    kill = kill || p.kill_rate > 0;
    poll = poll || p.op_timeout_ns == 0;
    pause = pause || p.reader_pause_us > 0;
    stopped = stopped || p.pause_rate > 0;
  }
  EXPECT_TRUE(many && kill && poll && pause && one && stopped);
  // The duration is shared by weight: each phase gets its descriptor's share, and they add up.
  double weights = 0;
  for (const auto* d : campaign_phases()) weights += d->weight;
  std::chrono::milliseconds sum{0};
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const double share = 6000.0 * campaign_phases()[i]->weight / weights;
    EXPECT_NEAR(static_cast<double>(phases[i].duration.count()), share, 1.0) << phases[i].name;
    sum += phases[i].duration;
  }
  EXPECT_NEAR(static_cast<double>(sum.count()), 6000.0, static_cast<double>(phases.size()));
  EXPECT_EQ(workloads, (std::set<std::string>{"queue", "broadcast"}));
}

TEST(CampaignPlan, AnyNarrowingOptionMeansOnePhase) {
  StressOptions o;
  o.readers = 3;
  ASSERT_TRUE(narrows(o));
  const auto phases = plan_phases(o);
  ASSERT_EQ(phases.size(), 1U);
  EXPECT_EQ(phases[0].workload, "queue");
  EXPECT_EQ(phases[0].readers, 3U);
  EXPECT_EQ(phases[0].writers, 2U);
  EXPECT_EQ(phases[0].duration, o.duration);
  o = {};
  o.workload = "churn";
  EXPECT_EQ(plan_phases(o)[0].readers, 0U);
}

}  // namespace
}  // namespace shmh::stress
