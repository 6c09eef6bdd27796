// `kill`: SIGKILL a running peer at exponentially distributed intervals (PhaseShape::kill_rate per
// second across the phase's peers) and restart it. Kills are aimed (stress/peer_aim.h): when one is
// due, the perturber freezes (SIGSTOP) a peer whose record shows it inside a channel call (send or
// recv) and kills it there if the stop caught it running its own code — where a channel changes
// shared state, e.g. between claiming a slot and publishing it — at whatever instruction the stop
// landed on, which is random; a peer stopped while it sleeps, yields or waits in a system call is
// thawed and another tried, for up to kAimFor. One kill in four accepts a peer waiting in a system
// call too (a channel must also survive a peer that dies while it waits). Only when no peer is
// caught inside a call does it kill any running one. So a channel that cannot survive a peer's
// death mid-operation is found in every run, also on a machine whose other work keeps the peers in
// their waits. What the victim had in flight is the workload's to account for
// (DriveConfig::on_kill), after the victim is reaped.
#include <algorithm>
#include <cstdio>
#include <random>

#include "core/channel/shmh_channel.h"
#include "stress/peer_aim.h"
#include "stress/perturbation.h"

namespace shmh::stress {
namespace {

using Clock = std::chrono::steady_clock;

// How long a due kill tries to freeze a peer inside a channel call in its own code. Long enough for
// the tries a loaded machine needs: with two CPU hogs beside the run, about 1 stop in 100 finds a
// fragile-ring peer in its own code (1 in 12 on a quiet machine), and a try takes 0.05..6 ms.
constexpr auto kAimFor = std::chrono::milliseconds(40);

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
  // A peer frozen inside a channel call — in its own code three kills in four, at any site (a wait
  // included) the fourth; in its own code or waiting if none was caught in kAimFor; else any of
  // them. The role is drawn first (when both run): readers wait inside recv most of the time,
  // writers spend theirs between sends, and a pick among all peers in a call would nearly always
  // kill a waiting reader.
  PeerId aim(PeerControl& peers, const std::vector<PeerId>& running) {
    const Role role = (rng_() & 1U) != 0 ? Role::kWriter : Role::kReader;
    const bool any_site = rng_() % 4 == 0;
    const bool both = std::any_of(running.begin(), running.end(), [](PeerId p) { return p.role == Role::kWriter; }) &&
                      std::any_of(running.begin(), running.end(), [](PeerId p) { return p.role == Role::kReader; });
    std::vector<PeerId> pool;
    for (const PeerId id : running) {
      if (!both || id.role == role) pool.push_back(id);
    }
    const auto site = any_site ? AimSite::kAnySite : AimSite::kUserCode;
    if (auto id = freeze_inside_call(peers, pool, rng_, site, Clock::now() + kAimFor)) return *id;
    if (!any_site) {
      if (auto id = freeze_inside_call(peers, pool, rng_, AimSite::kAnySite, Clock::now() + kAimFor / 8)) return *id;
    }
    std::uniform_int_distribution<std::size_t> pick(0, running.size() - 1);
    return running[pick(rng_)];
  }

  void schedule(Clock::time_point now) {
    next_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap_(rng_)));
  }

  std::exponential_distribution<double> gap_;
  std::mt19937_64 rng_;
  Clock::time_point next_;
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
