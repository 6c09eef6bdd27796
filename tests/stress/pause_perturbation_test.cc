// The pause perturbation's choices against a scripted PeerControl on a scripted clock: which peer it
// stops, and which pauses it holds past their drawn duration (one the others of its role stand still
// behind) and lets go again (they moved: the channel went on without it). What a held pause finds in
// a real channel is broken_channel_test's (steal-on-timeout) and ci/detection.sh's.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "stress/perturbation.h"

namespace shmh::stress {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct FakePeer {
  PeerId id;
  PeerOp op = PeerOp::kSend;
  std::uint64_t progress = 0;
  bool paused = false;
  Clock::time_point until;
  int pauses = 0;
};

struct Hold {
  PeerId id;
  Clock::time_point until;
  std::string why;
};

template <class Peers>
auto find(Peers& peers, PeerId id) {
  return std::ranges::find(peers, id, &FakePeer::id);
}

class FakeControl final : public PeerControl {
 public:
  FakeControl(std::uint32_t writers, std::uint32_t readers) {
    for (std::uint32_t i = 0; i < writers; ++i) peers_.push_back({.id = {Role::kWriter, i}, .op = PeerOp::kSend});
    for (std::uint32_t i = 0; i < readers; ++i) peers_.push_back({.id = {Role::kReader, i}, .op = PeerOp::kRecv});
  }
  FakePeer& peer(PeerId id) { return *find(peers_, id); }
  [[nodiscard]] const FakePeer& peer(PeerId id) const { return *find(peers_, id); }
  // The driver's part: a pause whose end has come ends.
  void resume(Clock::time_point now) {
    for (auto& p : peers_) p.paused = p.paused && p.until > now;
  }
  std::vector<FakePeer>& peers() { return peers_; }
  std::vector<Hold> holds;
  struct PauseEvent {
    PeerId victim;
    bool w0_paused = false;              // whether writer 0 was paused then
    std::uint32_t unpaused_writers = 0;  // how many writers were not paused then
  };
  std::vector<PauseEvent> pause_log;

  [[nodiscard]] std::vector<PeerId> running_peers() const override {
    std::vector<PeerId> out;
    out.reserve(peers_.size());
    for (const auto& p : peers_) out.push_back(p.id);
    return out;
  }
  bool kill_and_restart(PeerId /*id*/) override { return false; }
  bool pause(PeerId id, std::chrono::nanoseconds duration) override {
    FakePeer& p = peer(id);
    if (p.paused) return false;
    const auto unpaused =
        std::ranges::count_if(peers_, [](const FakePeer& q) { return q.id.role == Role::kWriter && !q.paused; });
    pause_log.push_back({id, peer({Role::kWriter, 0}).paused, static_cast<std::uint32_t>(unpaused)});
    p.paused = true;
    p.until = now_ + std::chrono::duration_cast<Clock::duration>(duration);
    ++p.pauses;
    return true;
  }
  [[nodiscard]] bool paused(PeerId id) const override { return peer(id).paused; }
  bool hold(PeerId id, Clock::time_point until, std::string_view why) override {
    FakePeer& p = peer(id);
    if (!p.paused) return false;
    p.until = until;
    holds.push_back({id, until, std::string(why)});
    return true;
  }
  [[nodiscard]] std::uint64_t progress(PeerId id) const override { return peer(id).progress; }
  [[nodiscard]] PeerOp current_op(PeerId id) const override { return peer(id).op; }
  [[nodiscard]] std::optional<Frozen> freeze(PeerId /*id*/) override { return std::nullopt; }
  [[nodiscard]] sys::StopSite site(PeerId /*id*/) const override { return sys::StopSite::kUnknown; }
  void thaw(PeerId /*id*/) override {}

  Clock::time_point now_;

 private:
  std::vector<FakePeer> peers_;
};

std::unique_ptr<Perturber> pauser(double rate, std::uint64_t seed) {
  Phase phase;
  phase.pause_rate = rate;
  phase.op_timeout_ns = 20'000'000;  // longest pause: 2 s
  for (const auto* p : perturbations()) {
    if (p->name == "pause") return p->make(phase, seed);
  }
  return nullptr;
}

constexpr PeerId kW0{Role::kWriter, 0};
constexpr PeerId kW1{Role::kWriter, 1};
constexpr PeerId kR0{Role::kReader, 0};

// Drives ticks every 5 ms until `stop` says so (or `ticks` ran out); `move` lets peers make progress
// before each tick. The clock starts at an arbitrary point, not at the epoch.
template <class Move, class Stop>
void drive(FakeControl& c, Perturber& p, int ticks, Move move, Stop stop) {
  if (c.now_ == Clock::time_point{}) c.now_ = Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < ticks && !stop(); ++i) {
    c.now_ += milliseconds(5);
    c.resume(c.now_);
    move();
    p.tick(c, c.now_);
  }
}

// Every unpaused peer of `role` moves by one.
void move_role(FakeControl& c, Role role) {
  for (auto& p : c.peers()) {
    if (p.id.role == role && !p.paused) ++p.progress;
  }
}

// Every unpaused peer moves by one.
void move_everyone(FakeControl& c) {
  move_role(c, Role::kWriter);
  move_role(c, Role::kReader);
}

TEST(PausePerturbation, HoldsAPauseTheOthersOfItsRoleStandStillBehindAndLetsGoWhenTheyMove) {
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    FakeControl c(2, 1);
    const auto p = pauser(1000, seed);  // a pause at about every tick
    ASSERT_NE(p, nullptr);
    // Writer 0 holds the lock: while it is paused, writer 1 stands still; otherwise both move. (The
    // two are never paused together; the reader is alone in its role: never held.)
    bool w0_was_paused = false;
    drive(
        c, *p, 4000,
        [&] {
          w0_was_paused = w0_was_paused || c.peer(kW0).paused;
          if (!c.peer(kW0).paused) move_role(c, Role::kWriter);
          move_role(c, Role::kReader);
        },
        [&] { return !c.holds.empty(); });
    ASSERT_TRUE(w0_was_paused) << "seed " << seed;
    ASSERT_FALSE(c.holds.empty()) << "seed " << seed << ": a pause of writer 0 was never held";
    const Hold held = c.holds.front();
    EXPECT_EQ(held.id.role, Role::kWriter);
    EXPECT_EQ(held.id.index, 0U) << "only writer 0's pause stops the others";
    EXPECT_NE(held.why.find("held"), std::string::npos) << held.why;
    EXPECT_GE(held.until - c.now_, milliseconds(1900)) << "held to the longest pause (2 s from its start)";
    EXPECT_TRUE(c.peer(kW0).paused);

    // The others take over what it held (they move although it is paused): it is let go.
    const std::size_t before = c.holds.size();
    drive(
        c, *p, 3, [&] { move_role(c, Role::kWriter); }, [&] { return c.holds.size() > before; });
    ASSERT_EQ(c.holds.size(), before + 1) << "seed " << seed;
    EXPECT_EQ(c.holds.back().id.index, 0U);
    EXPECT_LE(c.holds.back().until, held.until) << "no longer held";
  }
}

TEST(PausePerturbation, HoldsNothingWhileTheOthersMove) {
  FakeControl c(3, 1);
  const auto p = pauser(1000, 7);
  drive(
      c, *p, 400, [&] { move_everyone(c); }, [] { return false; });
  int pauses = 0;
  for (const auto& peer : c.peers()) pauses += peer.pauses;
  EXPECT_GT(pauses, 20);
  EXPECT_TRUE(c.holds.empty()) << c.holds.front().why;
}

TEST(PausePerturbation, NeverPausesTheLastUnpausedPeerOfARole) {
  FakeControl c(2, 1);
  const auto p = pauser(1000, 3);
  int both = 0;
  drive(
      c, *p, 2000,
      [&] {
        both += c.peer(kW0).paused && c.peer(kW1).paused ? 1 : 0;
        move_everyone(c);
      },
      [] { return false; });
  EXPECT_EQ(both, 0) << "both writers were paused at once: none left to take over";
  EXPECT_GT(c.peer(kW0).pauses, 0);
  EXPECT_GT(c.peer(kW1).pauses, 0);
  EXPECT_GT(c.peer(kR0).pauses, 0) << "a role of one is paused as before";
}

TEST(PausePerturbation, PrefersPeersThatGetWorkDone) {
  FakeControl c(3, 1);
  const auto p = pauser(1000, 5);
  // Writer 0 keeps winning; writers 1 and 2 starve inside send; the reader waits outside any call.
  c.peer(kR0).op = PeerOp::kIdle;
  drive(
      c, *p, 4000, [&] { c.peer(kW0).progress += c.peer(kW0).paused ? 0U : 1U; }, [] { return false; });
  EXPECT_GT(c.peer(kW0).pauses, 5);
  int starving = 0;
  for (const auto& e : c.pause_log) {
    if (e.victim.role == Role::kWriter && e.victim.index != 0) {
      ++starving;
      EXPECT_TRUE(e.w0_paused) << "writer " << e.victim.index << " paused while writer 0 got work done";
    }
  }
  EXPECT_GT(starving, 0) << "with writer 0 paused (nobody moving) the others inside send are the pool";
}

TEST(PausePerturbation, PausesTheOnlyReaderOnlyWhenNoWriterCouldBe) {
  // Everyone moves. The reader has nobody of its role to take over: pausing it mostly stalls the
  // writers behind a full channel. A writer that another could take over from comes first.
  FakeControl c(3, 1);
  const auto p = pauser(1000, 11);
  drive(
      c, *p, 4000, [&] { move_everyone(c); }, [] { return false; });
  int reader = 0;
  for (const auto& e : c.pause_log) {
    if (e.victim.role != Role::kReader) continue;
    ++reader;
    EXPECT_LE(e.unpaused_writers, 1U) << "the reader was paused while a writer with another beside it was there";
  }
  EXPECT_GT(reader, 0) << "the only reader is still paused when no writer can be";
}

}  // namespace
}  // namespace shmh::stress
