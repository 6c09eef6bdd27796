#include "stress/campaign_plan.h"

#include <gtest/gtest.h>

#include <set>

namespace shmh::stress {
namespace {

TEST(CampaignPlan, TheDefaultCampaignExploresAndSharesTheDuration) {
  StressOptions o;
  o.duration = std::chrono::milliseconds(6000);
  const auto phases = plan_phases(o);
  ASSERT_GE(phases.size(), 5U);
  std::set<std::string> workloads;
  bool many = false, kill = false, poll = false, pause = false, one = false;
  for (const auto& p : phases) {
    workloads.insert(p.workload);
    many = many || (p.writers > 2 && p.readers > 2);
    one = one || (p.writers == 1 && p.readers == 1);
    kill = kill || p.kill_rate > 0;
    poll = poll || p.op_timeout_ns == 0;
    pause = pause || p.reader_pause_us > 0;
    EXPECT_EQ(p.duration, std::chrono::milliseconds(6000) / static_cast<long>(phases.size())) << "equal weights";
  }
  EXPECT_TRUE(many && kill && poll && pause && one);
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
