// `pause`: SIGSTOP a running peer — preferably one inside a channel call — for a duration drawn
// log-uniformly from 1 ms to well beyond the phase's operation timeout (at least 2 s), then SIGCONT
// it (PhaseShape::pause_rate per second across the phase's peers). A paused peer is alive (kill(pid,
// 0) and pidfd say so) but makes no progress: a channel that recovers "dead" peers by timeout takes
// it for dead and corrupts what it still holds when it resumes. Every check applies as before.
#include <cmath>
#include <cstdio>
#include <random>

#include "stress/perturbation.h"

namespace shmh::stress {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::nanoseconds kShortest = std::chrono::milliseconds(1);
constexpr std::chrono::nanoseconds kLongestAtLeast = std::chrono::seconds(2);

class PausePerturber final : public Perturber {
 public:
  PausePerturber(double rate, std::chrono::nanoseconds longest, std::uint64_t seed)
      : gap_(rate),
        log_span_(std::log(static_cast<double>(longest.count()) / static_cast<double>(kShortest.count()))),
        rng_(seed ^ 0x7061757365ULL) {}

  void tick(PeerControl& peers, Clock::time_point now) override {
    if (next_ == Clock::time_point{}) schedule(now);
    if (now < next_) return;
    schedule(now);
    std::vector<PeerId> inside, any;
    for (const PeerId id : peers.running_peers()) {
      if (peers.paused(id)) continue;
      any.push_back(id);
      const PeerOp op = peers.current_op(id);
      if (inside_channel_call(op)) inside.push_back(id);
    }
    const auto& pool = inside.empty() ? any : inside;
    if (pool.empty()) return;
    std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
    const PeerId victim = pool[pick(rng_)];
    std::uniform_real_distribution<double> u(0, 1);
    const double ns = static_cast<double>(kShortest.count()) * std::exp(u(rng_) * log_span_);
    (void)peers.pause(victim, std::chrono::nanoseconds(static_cast<std::int64_t>(ns)));
  }

 private:
  void schedule(Clock::time_point now) {
    next_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap_(rng_)));
  }

  std::exponential_distribution<double> gap_;
  double log_span_;
  std::mt19937_64 rng_;
  Clock::time_point next_{};
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
