// `kill`: SIGKILL a random running peer at exponentially distributed intervals (PhaseShape::kill_rate
// per second across the phase's peers) and restart it. What the victim had in flight is the
// workload's to account for (DriveConfig::on_kill), after the victim is reaped.
#include <cstdio>
#include <random>

#include "core/channel/shmh_channel.h"
#include "stress/perturbation.h"

namespace shmh::stress {
namespace {

using Clock = std::chrono::steady_clock;

class KillPerturber final : public Perturber {
 public:
  KillPerturber(double rate, std::uint64_t seed) : gap_(rate), rng_(seed ^ 0x6b696c6cULL) {}

  void tick(PeerControl& peers, Clock::time_point now) override {
    if (next_ == Clock::time_point{}) schedule(now);
    if (now < next_) return;
    const auto running = peers.running_peers();
    if (!running.empty()) {
      std::uniform_int_distribution<std::size_t> pick(0, running.size() - 1);
      (void)peers.kill_and_restart(running[pick(rng_)]);  // false: it ended on its own meanwhile
    }
    schedule(now);
  }

 private:
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
