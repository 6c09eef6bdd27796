// The test-only broken channels (broken_channels/broken_channel.c): each has one bug, and the stress
// runner must catch it — exit verdict fail with the right finding kind — while a channel that
// has no bug (the example locked queue the broken ones wrap) passes the same runs.
#include <gtest/gtest.h>

#include <string>

#include "stress/runner.h"

namespace shmh::stress {
namespace {

class Quiet : public RunObserver {};

std::string plugin(const char* name) { return std::string(SHMH_BROKEN_DIR) + "/libshmh_broken_" + name + ".so"; }

StressResult run(const std::string& channel, double kill_rate = 0, std::uint32_t writers = 2) {
  StressOptions o;
  o.channel = channel;
  o.workload = "queue";
  o.writers = writers;
  o.readers = 2;
  o.capacity = 64;
  o.msg_min = 24;
  o.msg_max = 300;
  o.duration = std::chrono::milliseconds(kill_rate > 0 ? 3000 : 600);
  o.watchdog = std::chrono::milliseconds(1000);
  o.kill_rate = kill_rate;
  o.seed = 11;
  Quiet quiet;
  return run_stress(o, quiet);
}

std::string kinds(const StressResult& r) {
  std::string out;
  for (const auto& f : r.findings) out += f.kind + ": " + f.detail + "\n";
  return out + r.error;
}

bool has_kind(const StressResult& r, const std::string& kind) {
  for (const auto& f : r.findings) {
    if (f.kind == kind) return true;
  }
  return false;
}

struct Case {
  const char* plugin;
  const char* kind;
};

class Broken : public ::testing::TestWithParam<Case> {};

TEST_P(Broken, IsCaughtWithTheRightKind) {
  const auto r = run(plugin(GetParam().plugin));
  EXPECT_EQ(r.verdict(), Verdict::kFail) << kinds(r);
  EXPECT_TRUE(has_kind(r, GetParam().kind)) << "expected " << GetParam().kind << ", got:\n" << kinds(r);
  EXPECT_EQ(r.leaked_segments, 0U) << kinds(r);
}

INSTANTIATE_TEST_SUITE_P(Each, Broken,
                         ::testing::Values(Case{"drop", "lost"}, Case{"publish-before-copy", "corrupt"},
                                           Case{"corrupt", "corrupt"}, Case{"duplicate", "duplicated"}),
                         [](const auto& param_info) {
                           std::string n = param_info.param.plugin;
                           for (auto& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

TEST(Broken, DeadlockAfterAKilledWriterIsAStallNamingWhoIsStuck) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = run(plugin("deadlock"), 20, 3);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30)) << "never a hang";
  EXPECT_EQ(r.verdict(), Verdict::kFail) << kinds(r);
  ASSERT_TRUE(has_kind(r, "stall")) << kinds(r);
  for (const auto& f : r.findings) {
    if (f.kind != "stall") continue;
    EXPECT_NE(f.detail.find("writer"), std::string::npos) << f.detail;
    EXPECT_NE(f.detail.find("pid "), std::string::npos) << f.detail;
    EXPECT_NE(f.detail.find("in send"), std::string::npos) << f.detail;
  }
  EXPECT_EQ(r.leaked_segments, 0U) << kinds(r);
}

// A send that never returns (the channel ignores its timeout): with processes the watchdog names
// the writer and kills it; with threads, which cannot be killed, the run still ends — with the
// stall finding and an error saying the stuck threads keep the run from going on.
TEST(Broken, ASendThatNeverReturnsIsAStallNotAHang) {
  for (const PeerMode mode : {PeerMode::kProcesses, PeerMode::kThreads}) {
    StressOptions o;
    o.channel = plugin("hang");
    o.workload = "queue";
    o.writers = 1;
    o.readers = 1;
    o.duration = std::chrono::milliseconds(5000);
    o.watchdog = std::chrono::milliseconds(1000);
    o.mode = mode;
    o.seed = 3;
    Quiet quiet;
    const auto start = std::chrono::steady_clock::now();
    const auto r = run_stress(o, quiet);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15)) << to_string(mode);
    EXPECT_EQ(r.verdict(), Verdict::kFail) << to_string(mode) << kinds(r);
    ASSERT_TRUE(has_kind(r, "stall")) << to_string(mode) << kinds(r);
    for (const auto& f : r.findings) {
      if (f.kind == "stall") {
        EXPECT_NE(f.detail.find("writer 0"), std::string::npos) << f.detail;
      }
    }
    if (mode == PeerMode::kThreads) {
      EXPECT_NE(r.error.find("stuck"), std::string::npos) << r.error;
    }
  }
}

TEST(Broken, TheDeadlockNeedsTheKillToShow) {
  // Without a kill nobody dies holding the lock: the same channel passes. This is what makes the
  // finding above about the kill, not about the channel being slow.
  const auto r = run(plugin("deadlock"), 0, 3);
  EXPECT_EQ(r.verdict(), Verdict::kPass) << kinds(r);
}

}  // namespace
}  // namespace shmh::stress
