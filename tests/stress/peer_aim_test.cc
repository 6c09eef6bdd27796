// freeze_inside_call: the aim of kills (and its fallback) against a scripted PeerControl — which
// peers it stops, which stop it keeps, and that every stop it does not keep is thawed again. The
// stop sites themselves are read from real processes in tests/core/sys/stop_site_test.cc.
#include "stress/peer_aim.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace shmh::stress {
namespace {

using Clock = std::chrono::steady_clock;
using sys::StopSite;

// A peer as the fake shows it: the op its record shows, where it sleeps now (the look without a
// stop), and the op and site a stop finds.
struct FakePeer {
  PeerOp op = PeerOp::kSend;
  StopSite now = StopSite::kUnknown;
  Frozen stopped{.op = PeerOp::kSend, .site = StopSite::kUserCode};
  int freezes = 0;
  int thaws = 0;
};

class FakeControl final : public PeerControl {
 public:
  explicit FakeControl(std::vector<FakePeer> peers) : peers_(std::move(peers)) {}

  std::vector<PeerId> ids() const {
    std::vector<PeerId> out;
    out.reserve(peers_.size());
    for (std::uint32_t i = 0; i < peers_.size(); ++i) out.push_back({Role::kWriter, i});
    return out;
  }
  FakePeer& peer(PeerId id) { return peers_.at(id.index); }
  [[nodiscard]] int frozen_now() const {
    int n = 0;
    for (const auto& p : peers_) n += p.freezes - p.thaws;
    return n;
  }

  [[nodiscard]] std::vector<PeerId> running_peers() const override { return ids(); }
  bool kill_and_restart(PeerId /*id*/) override { return false; }
  bool pause(PeerId /*id*/, std::chrono::nanoseconds /*duration*/) override { return false; }
  [[nodiscard]] bool paused(PeerId /*id*/) const override { return false; }
  bool hold(PeerId /*id*/, Clock::time_point /*until*/, std::string_view /*why*/) override { return false; }
  [[nodiscard]] std::uint64_t progress(PeerId /*id*/) const override { return 0; }
  [[nodiscard]] PeerOp current_op(PeerId id) const override { return peers_.at(id.index).op; }
  [[nodiscard]] std::optional<Frozen> freeze(PeerId id) override {
    ++peer(id).freezes;
    return peer(id).stopped;
  }
  [[nodiscard]] StopSite site(PeerId id) const override { return peers_.at(id.index).now; }
  void thaw(PeerId id) override { ++peer(id).thaws; }

 private:
  std::vector<FakePeer> peers_;
};

// The aim ends on a find long before this.
Clock::time_point later() { return Clock::now() + std::chrono::seconds(60); }
// One pass over the candidates, then nullopt.
Clock::time_point now() { return Clock::now(); }

TEST(PeerAim, KeepsTheStopThatCaughtAPeerInItsOwnCode) {
  FakeControl c({
      FakePeer{.stopped = {.op = PeerOp::kRecv, .site = StopSite::kSyscall}},  // stopped in a wait
      FakePeer{.stopped = {.op = PeerOp::kSend, .site = StopSite::kUserCode}},
      FakePeer{.stopped = {.op = PeerOp::kRecv, .site = StopSite::kSyscall}},
  });
  for (std::uint64_t seed = 0; seed < 20; ++seed) {  // every starting point
    std::mt19937_64 rng(seed);
    FakeControl run = c;
    const auto ids = run.ids();
    const auto got = freeze_inside_call(run, ids, rng, AimSite::kUserCode, later());
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->index, 1U);
    EXPECT_EQ(run.frozen_now(), 1) << "the others were thawed";
    EXPECT_EQ(run.peer({Role::kWriter, 1}).thaws, 0);
  }
}

TEST(PeerAim, AnySiteKeepsAStopInASystemCall) {
  FakeControl c({FakePeer{.stopped = {.op = PeerOp::kRecv, .site = StopSite::kSyscall}}});
  std::mt19937_64 rng(1);
  const auto ids = c.ids();
  const auto got = freeze_inside_call(c, ids, rng, AimSite::kAnySite, later());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(c.frozen_now(), 1);
}

TEST(PeerAim, GivesUpWithEveryPeerThawedWhenNoneIsCaughtInItsCode) {
  FakeControl c({
      FakePeer{.stopped = {.op = PeerOp::kSend, .site = StopSite::kSyscall}},
      FakePeer{.stopped = {.op = PeerOp::kRecv, .site = StopSite::kSyscall}},
  });
  std::mt19937_64 rng(2);
  const auto ids = c.ids();
  EXPECT_FALSE(freeze_inside_call(c, ids, rng, AimSite::kUserCode, now()).has_value());
  EXPECT_EQ(c.frozen_now(), 0);
  EXPECT_GT(c.peer({Role::kWriter, 0}).freezes + c.peer({Role::kWriter, 1}).freezes, 0);
}

TEST(PeerAim, AnUnreadableSiteCountsAsUserCode) {
  // No ptrace access to /proc/PID/syscall: the aim is what it was without sites.
  FakeControl c({FakePeer{.stopped = {.op = PeerOp::kSend, .site = StopSite::kUnknown}}});
  std::mt19937_64 rng(3);
  const auto ids = c.ids();
  EXPECT_TRUE(freeze_inside_call(c, ids, rng, AimSite::kUserCode, now()).has_value());
}

TEST(PeerAim, NeverStopsAPeerOutsideACallOrOneAsleepInASystemCall) {
  FakeControl c({
      FakePeer{.op = PeerOp::kVerify},                                            // between calls
      FakePeer{.op = PeerOp::kRecv, .now = StopSite::kSyscall},                   // asleep: a stop finds it there
      FakePeer{.stopped = {.op = PeerOp::kVerify, .site = StopSite::kUserCode}},  // left the call before the stop
  });
  std::mt19937_64 rng(4);
  const auto ids = c.ids();
  EXPECT_FALSE(freeze_inside_call(c, ids, rng, AimSite::kUserCode, now()).has_value());
  EXPECT_EQ(c.peer({Role::kWriter, 0}).freezes, 0);
  EXPECT_EQ(c.peer({Role::kWriter, 1}).freezes, 0);
  EXPECT_EQ(c.frozen_now(), 0);
  // The sleeper is fair game when waits are: the look is only for kUserCode.
  EXPECT_TRUE(freeze_inside_call(c, ids, rng, AimSite::kAnySite, later()).has_value());
}

TEST(PeerAim, NoCandidateNoStop) {
  FakeControl c({});
  std::mt19937_64 rng(5);
  EXPECT_FALSE(freeze_inside_call(c, {}, rng, AimSite::kAnySite, now()).has_value());
}

}  // namespace
}  // namespace shmh::stress
