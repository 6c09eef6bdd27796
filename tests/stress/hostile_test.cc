// The hostile workload on real channels, in processes, with a real scribbler: each test-only ring
// with a bug only a hostile peer exposes (tests/fuzz/broken_channels/fuzz_broken_ring.c) is caught
// with its finding — one that trusts a slot's length crashes its reader (peer-crash), one that
// returns a slot's length it did not copy answers outside the ABI (bad-answer) — while the same
// ring without the bug, `ring` and the SPSC example pass with the scribbler damaging thousands of
// places, and a channel without shared_bytes is refused with a reason. The scribbler runs until
// the phase ends; the test bounds nothing in time (ctest's timeout is the bound).
#include <gtest/gtest.h>

#include <string>

#include "stress/runner.h"

namespace shmh::stress {
namespace {

class Quiet : public RunObserver {};

std::string fuzz_broken(const char* name) {
  return std::string(SHMH_FUZZ_BROKEN_DIR) + "/libshmh_fuzz_broken_" + name + ".so";
}

StressResult run(const std::string& channel, std::uint64_t seed = 3) {
  StressOptions o;
  o.channel = channel;
  o.workload = "hostile";
  o.duration = std::chrono::milliseconds(1500);
  o.seed = seed;
  Quiet quiet;
  return run_stress(o, quiet);
}

std::string kinds(const StressResult& r) {
  std::string out;
  for (const auto& f : r.findings) out += std::string(to_string(f.kind)) + ": " + f.detail + "\n";
  return out + r.error_message();
}

bool has_kind(const StressResult& r, FindingKind kind) {
  for (const auto& f : r.findings) {
    if (f.kind == kind) return true;
  }
  return false;
}

TEST(Hostile, ARingThatTrustsALengthCrashesItsReader) {
  const auto r = run(fuzz_broken("trusts-length"));
  EXPECT_EQ(r.verdict(), Verdict::kFail) << kinds(r);
  EXPECT_TRUE(has_kind(r, FindingKind::kPeerCrash)) << kinds(r);
  EXPECT_EQ(r.leaked_segments, 0U) << kinds(r);
}

TEST(Hostile, ARingThatReturnsALengthItDidNotCopyIsABadAnswer) {
  const auto r = run(fuzz_broken("returns-stored-length"));
  EXPECT_EQ(r.verdict(), Verdict::kFail) << kinds(r);
  ASSERT_TRUE(has_kind(r, FindingKind::kBadAnswer)) << kinds(r);
  for (const auto& f : r.findings) {
    if (f.kind != FindingKind::kBadAnswer) continue;
    EXPECT_NE(f.detail.find("recv returned a length of"), std::string::npos) << f.detail;
    bool reader_history = false;
    for (const auto& h : f.history) reader_history = reader_history || (h.peer == "reader 0" && !h.last.empty());
    EXPECT_TRUE(reader_history) << "the reader's last calls come with the finding";
  }
}

class Correct : public ::testing::TestWithParam<const char*> {};

TEST_P(Correct, PassesWhileTheScribblerDamagesItsSharedBytes) {
  const std::string name = GetParam();
  const std::string channel = name == "base"   ? fuzz_broken("base")
                              : name == "spsc" ? std::string(SHMH_SPSC_PLUGIN)
                                               : name;
  const auto r = run(channel);
  EXPECT_EQ(r.verdict(), Verdict::kPass) << kinds(r);
  ASSERT_EQ(r.phases.size(), 1U);
  const PhaseResult& p = r.phases[0];
  EXPECT_TRUE(p.ran) << p.skipped;
  EXPECT_GT(p.scribbles, 0U) << "the scribbler damaged nothing: the phase checked nothing";
  EXPECT_GT(p.counts.sent, 0U);
  EXPECT_GT(p.counts.received, 0U) << "no intact message got through between the scribbles";
  EXPECT_EQ(r.leaked_segments, 0U);
}

INSTANTIATE_TEST_SUITE_P(Channels, Correct, ::testing::Values("ring", "spsc", "base"));

TEST(Hostile, AChannelWithoutSharedBytesIsRefusedWithTheReason) {
  const auto r = run("pipe");
  EXPECT_EQ(r.verdict(), Verdict::kError);
  EXPECT_NE(r.error_message().find("does not expose its shared memory"), std::string::npos) << r.error_message();
}

TEST(Hostile, ThreadsAreRefused) {
  StressOptions o;
  o.channel = "ring";
  o.workload = "hostile";
  o.mode = PeerMode::kThreads;
  o.duration = std::chrono::milliseconds(100);
  Quiet quiet;
  const auto r = run_stress(o, quiet);
  EXPECT_EQ(r.verdict(), Verdict::kError);
  EXPECT_NE(r.error_message().find("needs processes"), std::string::npos) << r.error_message();
}

}  // namespace
}  // namespace shmh::stress
