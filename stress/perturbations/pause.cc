// `pause`: SIGSTOP a running peer — preferably one inside a channel call — for a duration drawn
// log-uniformly from 1 ms to well beyond the phase's operation timeout (at least 2 s), then SIGCONT
// it (PhaseShape::pause_rate per second across the phase's peers). A paused peer is alive (kill(pid,
// 0) and pidfd say so) but makes no progress: a channel that recovers "dead" peers by timeout takes
// it for dead and corrupts what it still holds when it resumes. Every check applies as before.
//
// That takes a victim that holds something, a pause longer than the channel's timeout and another
// peer running to take over; the draw alone met the three by luck (docs/architecture.md "How
// pauses aim"), so: the last unpaused peer of a role is never paused; among peers inside a call,
// those that got work done since the last tick and have another of their role beside them are
// preferred (one starving behind a lock another keeps winning holds nothing; the only reader has
// nobody to take over, and pausing it stalls the writers behind a full channel: it is paused when
// no such writer is there); and when none of the others of the victim's role has moved for
// kBlockedAfter since its pause began, it blocks them, and the pause is held to the longest
// duration — until they move again, which means the channel went on without it: then it resumes at
// once (or at its drawn end, if later), into the state the takeover left.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "stress/perturbation.h"

namespace shmh::stress {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::nanoseconds kShortest = std::chrono::milliseconds(1);
constexpr std::chrono::nanoseconds kLongestAtLeast = std::chrono::seconds(2);
// None of a paused peer's others moving for this long (three of the driver's ticks): it blocks them.
constexpr std::chrono::nanoseconds kBlockedAfter = std::chrono::milliseconds(15);

class PausePerturber final : public Perturber {
 public:
  PausePerturber(double rate, std::chrono::nanoseconds longest, std::uint64_t seed)
      : gap_(rate),
        longest_(longest),
        log_span_(std::log(static_cast<double>(longest.count()) / static_cast<double>(kShortest.count()))),
        rng_(seed ^ 0x7061757365ULL) {}

  void tick(PeerControl& peers, Clock::time_point now) override {
    const std::vector<Seen> before = std::exchange(seen_, look(peers));
    watch(peers, now);
    if (next_ == Clock::time_point{}) schedule(now);
    if (now < next_) return;
    schedule(now);
    const std::optional<PeerId> victim = pick(peers, before);
    if (!victim) return;
    std::uniform_real_distribution<double> u(0, 1);
    const double ns = static_cast<double>(kShortest.count()) * std::exp(u(rng_) * log_span_);
    const auto drawn = std::chrono::nanoseconds(static_cast<std::int64_t>(ns));
    if (!peers.pause(*victim, drawn)) return;
    watched_.push_back(Watch{.victim = *victim,
                             .since = now,
                             .drawn_end = now + std::chrono::duration_cast<Clock::duration>(drawn),
                             .others = others_progress(seen_, *victim),
                             .moved = now});
  }

 private:
  // A running peer as the last tick saw it.
  struct Seen {
    PeerId id;
    std::uint64_t progress = 0;
    bool paused = false;
  };
  // A pause being watched: whether the other peers of its role move while it lasts.
  struct Watch {
    PeerId victim;
    Clock::time_point since;      // when it was paused
    Clock::time_point drawn_end;  // when its drawn duration ends it
    std::uint64_t others = 0;     // the others' progress when last seen moving
    Clock::time_point moved;      // when they were last seen moving
    bool held = false;            // found blocking them and held to the longest duration
  };

  static std::vector<Seen> look(const PeerControl& peers) {
    std::vector<Seen> out;
    for (const PeerId id : peers.running_peers()) out.push_back({id, peers.progress(id), peers.paused(id)});
    return out;
  }
  // The others are the victim's own role: writers that contend with it for a lock or slot. (A
  // paused reader stalls the writers of every bounded channel once it is full: back-pressure, not
  // something held.)
  static bool other(PeerId id, PeerId victim) { return id.role == victim.role && id.index != victim.index; }
  static std::uint64_t others_progress(const std::vector<Seen>& seen, PeerId victim) {
    std::uint64_t sum = 0;
    for (const Seen& p : seen) sum += other(p.id, victim) ? p.progress : 0;
    return sum;
  }
  // Whether another runs unpaused: otherwise their standstill says nothing about the victim.
  static bool another_runs(const std::vector<Seen>& seen, PeerId victim) {
    return std::ranges::any_of(seen, [&](const Seen& p) { return other(p.id, victim) && !p.paused; });
  }

  // Who to pause: a running peer inside a channel call (any running one if none is), preferring
  // those that moved since the last tick and are not alone in their role — a peer getting work done
  // holds what that work needs; one starving behind the others (a lock one of them keeps winning)
  // holds nothing; a role of one has nobody to take over (and a paused only reader stalls every
  // writer once the channel is full, leaving nothing to judge a writer's pause by). Never the last
  // unpaused one of its role: what a paused peer holds can only be taken over by another.
  std::optional<PeerId> pick(const PeerControl& peers, const std::vector<Seen>& before) {
    std::vector<PeerId> moving, inside, any;
    for (const Seen& p : seen_) {
      if (p.paused) continue;
      const bool alone = std::ranges::none_of(seen_, [&](const Seen& q) { return other(q.id, p.id); });
      if (!alone && !another_runs(seen_, p.id)) continue;
      any.push_back(p.id);
      if (!inside_channel_call(peers.current_op(p.id))) continue;
      inside.push_back(p.id);
      const auto was = std::ranges::find(before, p.id, &Seen::id);
      if (!alone && was != before.end() && was->progress != p.progress) moving.push_back(p.id);
    }
    const auto& pool = !moving.empty() ? moving : !inside.empty() ? inside : any;
    if (pool.empty()) return std::nullopt;
    std::uniform_int_distribution<std::size_t> at(0, pool.size() - 1);
    return pool[at(rng_)];
  }

  void watch(PeerControl& peers, Clock::time_point now) {
    std::erase_if(watched_, [&](Watch& w) {
      if (!peers.paused(w.victim)) return true;  // its pause ended
      const std::uint64_t others = others_progress(seen_, w.victim);
      const bool moved = others != w.others;
      if (moved || !another_runs(seen_, w.victim)) {
        w.others = others;
        w.moved = now;
      }
      if (w.held) {
        if (!moved) return false;
        // The channel went on without it: resumed now (or at its drawn end, if that is later).
        const bool ends_now = w.drawn_end <= now;
        (void)peers.hold(w.victim, ends_now ? now : w.drawn_end,
                         ends_now ? "resumed: the others went on without it while it was held"
                                  : "no longer held: the others went on without it");
        return true;
      }
      if (now - w.moved < kBlockedAfter) return false;
      const auto longest_ms = std::chrono::duration_cast<std::chrono::milliseconds>(longest_).count();
      w.held = peers.hold(
          w.victim, w.since + std::chrono::duration_cast<Clock::duration>(longest_),
          "blocks the others: held paused until they move or " + std::to_string(longest_ms) + " ms have passed");
      return !w.held;
    });
  }

  void schedule(Clock::time_point now) {
    next_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap_(rng_)));
  }

  std::exponential_distribution<double> gap_;
  std::chrono::nanoseconds longest_;
  double log_span_;
  std::mt19937_64 rng_;
  Clock::time_point next_;
  std::vector<Seen> seen_;  // as this tick saw them (tick() keeps the tick before's to compare)
  std::vector<Watch> watched_;
};

std::unique_ptr<Perturber> make(const Phase& phase, std::uint64_t seed) {
  if (phase.pause_rate <= 0) return nullptr;
  // Beyond the longest timeout in use: the phase's own (x 10) or 2 s, whichever is longer — channels'
  // internal "it must be dead" timeouts are typically in that range.
  const auto longest =
      std::max<std::chrono::nanoseconds>(kLongestAtLeast, std::chrono::nanoseconds(phase.op_timeout_ns * 10));
  return std::make_unique<PausePerturber>(phase.pause_rate, longest, seed);
}

// SIGSTOP stops a whole process: one thread of many cannot be paused this way.
std::optional<std::string> applies_to(const PhaseFit& fit) {
  if (fit.mode == PeerMode::kThreads) return "--pause needs processes (SIGSTOP stops the whole process)";
  return std::nullopt;
}

std::string describe(const Phase& phase) {
  char rate[32];
  (void)std::snprintf(rate, sizeof rate, "%g", phase.pause_rate);
  return std::string("pause ") + rate + "/s";
}

}  // namespace

const PerturbationDescriptor& pause_perturbation() {
  static const PerturbationDescriptor descriptor{
      .name = "pause",
      .help = "SIGSTOP random peers inside channel calls (--pause RATE per second) for 1 ms..2 s+, then SIGCONT",
      .make = make,
      .applies_to = applies_to,
      .describe = describe,
  };
  return descriptor;
}

}  // namespace shmh::stress
