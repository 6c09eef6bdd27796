#include "stress/campaign_plan.h"

#include <gtest/gtest.h>

#include <set>

#include "core/channel/shmh_channel.h"
#include "stress/message_flow.h"
#include "stress/perturbation.h"
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
  EXPECT_EQ(workloads, (std::set<std::string>{"queue", "broadcast", "hostile"}));
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

constexpr std::uint32_t kSpsc = SHMH_CHANNEL_FIFO_PER_WRITER | SHMH_CHANNEL_SHARED_MEMORY;
constexpr std::uint32_t kMpmc = kSpsc | SHMH_CHANNEL_MULTI_WRITER | SHMH_CHANNEL_MULTI_READER;

Phase campaign_phase(std::string_view name) {
  const PhaseDescriptor* d = find_phase(name);
  EXPECT_NE(d, nullptr) << name;
  Phase p;
  static_cast<PhaseShape&>(p) = d->shape;
  p.name = std::string(name);
  p.workload = std::string(d->workload);
  return p;
}

TEST(CampaignFit, AnSpscChannelGetsEveryQueuePhaseInItsOneWriterOneReaderForm) {
  Phase edges = campaign_phase("edges");
  EXPECT_EQ(fit_message_phase(edges, kSpsc, Topology::kQueue), "2 writers → 1, 2 readers → 1");
  EXPECT_EQ(edges.writers, 1U);
  EXPECT_EQ(edges.readers, 1U);
  EXPECT_EQ(edges.msg_min, 0U) << "one FIFO writer per lane, no kills: tiny sizes stay";
  EXPECT_EQ(edges.capacity, 2U) << "only the peers change";
  EXPECT_EQ(edges.op_timeout_ns, 0);

  Phase kill = campaign_phase("kill");
  EXPECT_EQ(fit_message_phase(kill, kSpsc, Topology::kQueue), "2 writers → 1, 2 readers → 1, sizes from 8");
  EXPECT_EQ(kill.msg_min, 8U) << "after a kill the next message is in doubt: no tiny ones";

  Phase broadcast = campaign_phase("broadcast");
  EXPECT_EQ(fit_message_phase(broadcast, kSpsc, Topology::kBroadcast), "2 writers → 1");
  EXPECT_EQ(broadcast.readers, 3U) << "one reader per channel already";
}

TEST(CampaignFit, AnMpmcChannelKeepsItsPeersAndSendsTinyMessagesOnlyWhereTheyCanBeChecked) {
  Phase one = campaign_phase("1w1r");
  EXPECT_EQ(fit_message_phase(one, kMpmc, Topology::kQueue), "");
  EXPECT_EQ(one.msg_min, 0U);
  Phase many = campaign_phase("many");
  EXPECT_EQ(fit_message_phase(many, kMpmc, Topology::kQueue), "sizes from 8");
  EXPECT_EQ(many.writers, 4U);
  EXPECT_EQ(many.readers, 4U);
  // Without FIFO a tiny message's place cannot be known either.
  Phase unordered = campaign_phase("1w1r");
  EXPECT_EQ(fit_message_phase(unordered, kMpmc & ~SHMH_CHANNEL_FIFO_PER_WRITER, Topology::kQueue), "sizes from 8");
  EXPECT_TRUE(tiny_sizes_unsupported(unordered, kMpmc & ~SHMH_CHANNEL_FIFO_PER_WRITER, Topology::kQueue).has_value());
}

TEST(CampaignFit, APhaseIsSkippedOnlyWhenItCannotApply) {
  // Every campaign phase has a form for an SPSC channel (many included: fitted to 1 → 1).
  for (const auto* d : campaign_phases()) {
    if (d->applies_to != nullptr) {
      EXPECT_FALSE(d->applies_to(PhaseFit{.channel_flags = kSpsc, .channel_name = "mine"}).has_value()) << d->name;
    }
  }
  Phase many = campaign_phase("many");
  EXPECT_EQ(fit_message_phase(many, kSpsc, Topology::kQueue), "4 writers → 1, 4 readers → 1");
  EXPECT_EQ(many.msg_min, 0U) << "one writer, one reader: tiny messages can be checked there";

  const PerturbationDescriptor* kill = nullptr;
  for (const auto* p : perturbations()) {
    if (p->name == "kill") kill = p;
  }
  ASSERT_NE(kill, nullptr);
  EXPECT_FALSE(kill->applies_to(PhaseFit{.channel_flags = kMpmc}).has_value());
  const auto declared =
      kill->applies_to(PhaseFit{.channel_flags = kMpmc | SHMH_CHANNEL_NOT_CRASH_TOLERANT, .channel_name = "mine"});
  ASSERT_TRUE(declared.has_value());
  EXPECT_NE(declared->find("channel mine declares"), std::string::npos) << *declared;
  EXPECT_EQ(kill->applies_to(PhaseFit{.channel_flags = kMpmc, .no_kill = true}), "--no-kill");
}

TEST(CampaignFit, TheWakeupPhaseRunsInLockstepWithPositiveTimeouts) {
  const Phase wakeup = campaign_phase("wakeup");
  EXPECT_TRUE(wakeup.lockstep);
  EXPECT_EQ(wakeup.writers, 1U);
  EXPECT_EQ(wakeup.readers, 1U);
  EXPECT_GT(wakeup.op_timeout_ns, 0) << "a lost wake-up shows as a wait that times out";
  EXPECT_EQ(wakeup.kill_rate, 0);
  EXPECT_EQ(wakeup.pause_rate, 0) << "a paused reader is late, not wrong";
}

}  // namespace
}  // namespace shmh::stress
