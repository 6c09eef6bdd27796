// `kill`: SIGKILL a running peer at exponentially distributed intervals (PhaseShape::kill_rate per
// second across the phase's peers) and restart it. Kills are aimed: when one is due, the perturber
// watches the peers' records for up to kAimFor for one inside a channel call (send or recv),
// freezes it (SIGSTOP) and, if it is still inside the call, kills it there — at whatever point of
// the call the stop caught it, which is random; otherwise it thaws it and tries again. So every
// kill lands inside a call, and a channel that cannot survive a peer's death mid-operation is found
// in every run, not by luck. Only when no peer is caught in a call in that time does it kill any
// running one. What the victim had in flight is the
// workload's to account for (DriveConfig::on_kill), after the victim is reaped.
#include <algorithm>
#include <cstdio>
#include <random>

#include "core/channel/shmh_channel.h"
#include "stress/perturbation.h"

namespace shmh::stress {
namespace {

using Clock = std::chrono::steady_clock;

// How long a due kill waits for a peer to be inside a channel call.
constexpr auto kAimFor = std::chrono::milliseconds(5);

class KillPerturber final : public Perturber {
 public:
  KillPerturber(double rate, std::uint64_t seed) : gap_(rate), rng_(seed ^ 0x6b696c6cULL) {}

  void tick(PeerControl& peers, Clock::time_point now) override {
    if (next_ == Clock::time_point{}) schedule(now);
    if (now < next_) return;
    const auto running = peers.running_peers();
    if (!running.empty()) (void)peers.kill_and_restart(aim(peers, running));  // false: it ended meanwhile
    schedule(Clock::now());
  }

 private:
  // A peer frozen inside a channel call, tried for up to kAimFor; else any of them. The role is
  // drawn first (when both run): readers wait inside recv most of the time, writers spend theirs
  // between sends, and a pick among all peers in a call would nearly always kill a waiting reader.
  PeerId aim(PeerControl& peers, const std::vector<PeerId>& running) {
    const auto until = Clock::now() + kAimFor;
    std::uniform_int_distribution<std::size_t> start(0, running.size() - 1);
    const Role role = (rng_() & 1U) != 0 ? Role::kWriter : Role::kReader;
    const bool both = std::any_of(running.begin(), running.end(), [](PeerId p) { return p.role == Role::kWriter; }) &&
                      std::any_of(running.begin(), running.end(), [](PeerId p) { return p.role == Role::kReader; });
    do {
      // From a random peer on, so no index is favoured when several are inside.
      const std::size_t first = start(rng_);
      for (std::size_t i = 0; i < running.size(); ++i) {
        const PeerId id = running[(first + i) % running.size()];
        if ((both && id.role != role) || peers.paused(id) || !inside_channel_call(peers.current_op(id))) continue;
        const auto frozen = peers.freeze(id);
        if (frozen && inside_channel_call(*frozen)) return id;  // stopped inside the call: killed right there
        if (frozen) peers.thaw(id);
        break;
      }
    } while (Clock::now() < until);
    return running[start(rng_)];
  }

  void schedule(Clock::time_point now) {
    next_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap_(rng_)));
  }

  std::exponential_distribution<double> gap_;
  std::mt19937_64 rng_;
  Clock::time_point next_{};
};

std::unique_ptr<Perturber> make(const Phase& phase, std::uint64_t seed) {
  if (phase.kill_rate <= 0) return nullptr;
  return std::make_unique<KillPerturber>(phase.kill_rate, seed);
}

// A thread cannot be killed on its own: the kills need peers as processes. A channel that declares
// it does not survive a peer's death, or a user who says so (--no-kill), gets no kills.
std::optional<std::string> applies_to(const PhaseFit& fit) {
  if (fit.mode == PeerMode::kThreads) return "--kill needs processes (a thread cannot be killed)";
  if ((fit.channel_flags & SHMH_CHANNEL_NOT_CRASH_TOLERANT) != 0) {
    return "channel " + std::string(fit.channel_name) +
           " declares it does not survive a peer's death (SHMH_CHANNEL_NOT_CRASH_TOLERANT)";
  }
  if (fit.no_kill) return "--no-kill";
  return std::nullopt;
}

std::string describe(const Phase& phase) {
  char rate[32];
  (void)std::snprintf(rate, sizeof rate, "%g", phase.kill_rate);
  return std::string("kill ") + rate + "/s";
}

}  // namespace

const PerturbationDescriptor& kill_perturbation() {
  static const PerturbationDescriptor descriptor{
      .name = "kill",
      .help = "SIGKILL random peers (--kill RATE per second) and restart them",
      .make = make,
      .applies_to = applies_to,
      .describe = describe,
  };
  return descriptor;
}

}  // namespace shmh::stress
