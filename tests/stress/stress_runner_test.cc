// The stress-smoke matrix (ctest -L stress-smoke): every workload on every backend and built-in
// channel must pass with zero findings and account for every message; kills on `ring` end with
// nothing unaccounted; a seed replays the sizes; an interrupt gives a partial result. Each run is a
// fraction of a second so the whole label stays far below its 3-minute budget.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "stress/runner.h"
#include "stress/workload.h"

namespace shmh::stress {
namespace {

class Quiet : public RunObserver {};

StressOptions base(const std::string& workload, std::uint64_t seed = 1) {
  StressOptions o;
  o.workload = workload;
  o.writers = 2;
  o.readers = 2;
  o.duration = std::chrono::milliseconds(250);
  o.watchdog = std::chrono::milliseconds(3000);
  o.seed = seed;
  if (workload == "churn") {  // workers only (--writers), 1 MiB segments
    o.readers.reset();
    o.workload_options = {{.option = find_workload_option("--segment-size"), .value = 1}};
  }
  return o;
}

std::string findings_of(const StressResult& r) {
  std::string out = r.error_message();
  for (const auto& f : r.findings) out += "\n" + std::string(to_string(f.kind)) + " [" + f.phase + "]: " + f.detail;
  return out;
}

// `messages`: every message sent must be received (queue, broadcast); regions and churn count
// writes/reads and lifecycles instead.
void expect_clean(const StressResult& r, const std::string& what, bool messages = true) {
  EXPECT_EQ(r.verdict(), Verdict::kPass) << what << findings_of(r);
  EXPECT_TRUE(r.findings.empty()) << what << findings_of(r);
  EXPECT_EQ(r.leaked_segments, 0U) << what;
  const Counts c = r.total();
  EXPECT_GT(c.sent, 0U) << what;
  if (messages) {
    EXPECT_EQ(c.received, c.sent) << what;
  } else {
    EXPECT_GT(c.received, 0U) << what;
  }
  EXPECT_EQ(c.lost + c.duplicated + c.corrupt + c.reordered + c.abandoned, 0U) << what;
}

struct ChannelCase {
  const char* channel;
  const char* backend;
};

class ChannelWorkloads : public ::testing::TestWithParam<ChannelCase> {};

TEST_P(ChannelWorkloads, QueueAndBroadcastPass) {
  for (const char* workload : {"queue", "broadcast"}) {
    StressOptions o = base(workload);
    o.channel = GetParam().channel;
    o.backend = *parse_backend(GetParam().backend);
    o.msg_min = 24;
    o.msg_max = 1000;
    Quiet quiet;
    const auto r = run_stress(o, quiet);
    expect_clean(r, std::string(workload) + " on " + o.channel + "/" + GetParam().backend);
    EXPECT_EQ(r.channel_name, GetParam().channel);
    EXPECT_GT(r.latency.samples, 0U);
    EXPECT_LE(r.latency.p50, r.latency.p99);
  }
}

INSTANTIATE_TEST_SUITE_P(Matrix, ChannelWorkloads,
                         ::testing::Values(ChannelCase{"ring", "sysv"}, ChannelCase{"ring", "posix"},
                                           ChannelCase{"ring", "memfd"}, ChannelCase{"boost-mq", "sysv"},
                                           ChannelCase{"boost-mq", "posix"}, ChannelCase{"boost-mq", "memfd"},
                                           ChannelCase{"pipe", "sysv"}),
                         [](const auto& param_info) {
                           std::string n = std::string(param_info.param.channel) + "_" + param_info.param.backend;
                           for (auto& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

class Backends : public ::testing::TestWithParam<const char*> {};

TEST_P(Backends, RegionsNeverAcceptATornRecord) {
  for (const PeerMode mode : {PeerMode::kProcesses, PeerMode::kThreads}) {
    StressOptions o = base("regions");
    o.backend = *parse_backend(GetParam());
    o.mode = mode;
    o.msg_max = 512;
    Quiet quiet;
    expect_clean(run_stress(o, quiet), std::string("regions on ") + GetParam() + " " + to_string(mode), false);
  }
}

INSTANTIATE_TEST_SUITE_P(All, Backends, ::testing::Values("sysv", "posix", "memfd"));

TEST(Churn, EveryPredictionHoldsInProcessesAndThreads) {
  for (const PeerMode mode : {PeerMode::kProcesses, PeerMode::kThreads}) {
    StressOptions o = base("churn");
    o.mode = mode;
    Quiet quiet;
    const auto r = run_stress(o, quiet);
    expect_clean(r, std::string("churn ") + to_string(mode));
    EXPECT_EQ(r.total().received, r.total().sent) << "every lifecycle started was checked";
  }
}

TEST(Threads, TheRingQueueInOneProcess) {
  // The configuration in which ThreadSanitizer sees the ring's synchronisation.
  StressOptions o = base("queue");
  o.mode = PeerMode::kThreads;
  o.writers = 3;
  o.readers = 2;
  o.capacity = 4;
  Quiet quiet;
  expect_clean(run_stress(o, quiet), "ring in threads");
}

TEST(Kill, RingKillsLeaveNothingUnaccounted) {
  StressOptions o = base("queue", 7);
  o.kill_rate = 40;
  o.duration = std::chrono::milliseconds(1500);
  o.capacity = 8;
  Quiet quiet;
  const auto r = run_stress(o, quiet);
  EXPECT_EQ(r.verdict(), Verdict::kPass) << findings_of(r);
  ASSERT_EQ(r.phases.size(), 1U);
  EXPECT_GE(r.phases[0].kills, 10U) << "the kill schedule must actually kill";
  const Counts c = r.total();
  EXPECT_EQ(c.lost, 0U);
  EXPECT_EQ(c.duplicated + c.corrupt + c.reordered, 0U);
  EXPECT_LE(c.abandoned, r.phases[0].kills) << "at most one message in flight per killed peer";
  EXPECT_EQ(r.leaked_segments, 0U);
}

TEST(Kill, RegionsAndChurnSurviveKills) {
  for (const char* workload : {"regions", "churn"}) {
    StressOptions o = base(workload, 9);
    o.kill_rate = 30;
    o.duration = std::chrono::milliseconds(800);
    Quiet quiet;
    const auto r = run_stress(o, quiet);
    EXPECT_EQ(r.verdict(), Verdict::kPass) << workload << findings_of(r);
    EXPECT_GT(r.phases.at(0).kills, 0U) << workload;
    EXPECT_EQ(r.leaked_segments, 0U) << workload << ": a killed worker's segment must be removed";
  }
}

TEST(Seed, ReplaysTheSameMessageSizes) {
  auto run = [](std::uint64_t seed) {
    StressOptions o = base("queue", seed);
    o.writers = 1;
    o.readers = 1;
    o.messages = 3000;
    o.msg_min = 24;
    o.msg_max = 4000;
    o.duration = std::chrono::milliseconds(20'000);
    Quiet quiet;
    const auto r = run_stress(o, quiet);
    EXPECT_EQ(r.total().received, 3000U) << findings_of(r);
    return r.total().bytes;
  };
  const auto a = run(42);
  EXPECT_EQ(run(42), a) << "the same seed must send the same sizes";
  EXPECT_NE(run(43), a) << "another seed, other sizes";
}

// Messages shorter than a frame: 8..23 bytes identify themselves on any topology; 0..7 bytes are
// checked against the next sequence of a lane's only writer, so they need one writer per FIFO
// lane — a narrowed run that asks for them elsewhere is refused with what to do.
TEST(SmallMessages, EverySizeFromZeroIsCheckedWhereItCanBe) {
  for (const char* workload : {"queue", "broadcast"}) {
    StressOptions o = base(workload);
    o.writers = 1;
    o.readers = std::string(workload) == "queue" ? 1 : 2;
    o.msg_min = 0;
    o.msg_max = 23;
    o.messages = 20'000;
    o.duration = std::chrono::milliseconds(20'000);
    Quiet quiet;
    const auto r = run_stress(o, quiet);
    expect_clean(r, workload);
    EXPECT_EQ(r.total().received, 20'000U * *o.readers) << findings_of(r);
  }
  StressOptions compact = base("queue");
  compact.msg_min = 8;
  compact.msg_max = 23;
  Quiet quiet;
  expect_clean(run_stress(compact, quiet), "compact, 2 writers");

  StressOptions tiny = base("queue");  // 2 writers
  tiny.msg_min = 0;
  tiny.msg_max = 64;
  const auto refused = run_stress(tiny, quiet);
  EXPECT_EQ(refused.verdict(), Verdict::kError);
  EXPECT_NE(refused.error_message().find("--msg-size 8:MAX"), std::string::npos) << refused.error_message();
}

class InterruptAfterFirstReport : public RunObserver {
 public:
  void progress(const ProgressSnapshot& s) override {
    reported = true;
    EXPECT_LE(s.elapsed_s, s.total_s + 5);
  }
  [[nodiscard]] bool interrupted() const override { return reported; }
  bool reported = false;
};

TEST(Interrupt, EndsEarlyWithAPartialResult) {
  StressOptions o;  // the whole campaign, 60 s planned
  o.duration = std::chrono::milliseconds(60'000);
  o.seed = 3;
  InterruptAfterFirstReport observer;
  const auto r = run_stress(o, observer);
  EXPECT_TRUE(r.interrupted);
  EXPECT_EQ(r.verdict(), Verdict::kInterrupted) << findings_of(r);
  EXPECT_EQ(r.phases.size(), 1U) << "stops in the first phase";
  EXPECT_GT(r.total().received, 0U);
  EXPECT_EQ(r.total().lost, 0U) << "an interrupted phase still drains and accounts";
  EXPECT_EQ(r.leaked_segments, 0U);
}

// The message of the error validate() gives, or "" when the options are valid.
std::string refusal(const StressOptions& o) {
  auto v = validate(o);
  return v ? std::string() : v.error().message();
}

TEST(Validate, RefusesNonsense) {
  StressOptions o;
  o.writers = 0;
  EXPECT_NE(refusal(o), "");
  o = {};
  o.capacity = 0;
  EXPECT_NE(refusal(o), "");
  o = {};
  o.msg_min = 0;
  o.msg_max = 0;
  EXPECT_NE(refusal(o).find("MAX"), std::string::npos) << "a message of at most 0 bytes is no channel's geometry";
  o = {};
  o.kill_rate = 5;
  o.no_kill = true;
  EXPECT_NE(refusal(o).find("--no-kill"), std::string::npos);
  o = {};
  o.msg_min = 100;
  o.msg_max = 50;
  EXPECT_NE(refusal(o), "");
  o = {};
  o.workload = "nope";
  EXPECT_NE(refusal(o).find("queue"), std::string::npos) << "names the choices";
  o = {};
  o.kill_rate = 5;
  o.mode = PeerMode::kThreads;
  EXPECT_NE(refusal(o).find("threads"), std::string::npos);
  EXPECT_EQ(refusal(StressOptions{}), "");
}

TEST(Validate, RefusesWhatTheWorkloadDoesNotTake) {
  StressOptions o;
  o.kill_rate = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(refusal(o).find("--kill"), std::string::npos) << "NaN is not a rate";
  o = {};
  o.kill_rate = std::numeric_limits<double>::infinity();
  EXPECT_NE(refusal(o).find("--kill"), std::string::npos);
  o = {};
  o.workload = "churn";
  o.backend = Backend::kPosix;
  EXPECT_NE(refusal(o).find("sysv"), std::string::npos) << "churn is System V only: no silent fallback";
  o.backend = Backend::kSysv;
  EXPECT_EQ(refusal(o), "");
  o.readers = 2;
  EXPECT_NE(refusal(o).find("--readers"), std::string::npos) << "churn has no readers";
  o = {};
  o.workload_options = {{.option = find_workload_option("--segment-size"), .value = 1}};
  EXPECT_NE(refusal(o).find("--workload churn"), std::string::npos) << "a churn option without churn";
  o.workload = "queue";
  EXPECT_NE(refusal(o).find("--workload churn"), std::string::npos);
  o.workload = "churn";
  EXPECT_EQ(refusal(o), "");
}

// --messages N is N in all: messages sent (queue), records written (regions), lifecycles (churn),
// split over 3 writers that do not divide it. The count ends each run, not the clock.
TEST(Messages, MeansTheSameTotalInEveryWorkload) {
  for (const char* workload : {"queue", "regions", "churn"}) {
    StressOptions o = base(workload);
    o.writers = 3;
    o.messages = 100;
    o.duration = std::chrono::hours(24);
    Quiet quiet;
    const auto r = run_stress(o, quiet);
    EXPECT_EQ(r.verdict(), Verdict::kPass) << workload << findings_of(r);
    EXPECT_EQ(r.total().sent, 100U) << workload;
  }
}

TEST(WriterQuota, SplitsTheTotalExactlyInEveryWorkload) {
  for (std::uint32_t writers = 1; writers <= 7; ++writers) {
    for (const std::uint64_t total : {1ULL, 6ULL, 7ULL, 100ULL, 1001ULL}) {
      std::uint64_t sum = 0;
      for (std::uint32_t w = 0; w < writers; ++w) sum += writer_quota(total, writers, w);
      EXPECT_EQ(sum, total) << total << " over " << writers;
    }
  }
  EXPECT_EQ(writer_quota(std::nullopt, 3, 0), ~std::uint64_t{0});
}

}  // namespace
}  // namespace shmh::stress
