#include "stress/runner.h"

#include <sys/utsname.h>

#include <algorithm>
#include <chrono>

#include "core/channel/channel_registry.h"
#include "stress/campaign_plan.h"
#include "stress/channel_preflight.h"
#include "stress/latency_summary.h"
#include "stress/segment_census.h"
#include "stress/workload.h"

namespace shmh::stress {
namespace {

std::string kernel_release() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown";
  return u.release;
}

std::uint64_t phase_seed(std::uint64_t seed, std::size_t index) {
  std::uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void run_phases(const StressOptions& options, const std::vector<Phase>& phases, RunObserver& observer,
                StressResult& result);

}  // namespace

std::string validate(const StressOptions& o) {
  if (o.workload && find_workload(*o.workload) == nullptr) {
    std::string names;
    for (const auto* w : workloads()) names += (names.empty() ? "" : ", ") + std::string(w->name);
    return "--workload " + *o.workload + ": unknown (one of " + names + ")";
  }
  const bool churn = o.workload && *o.workload == "churn";
  if (o.writers && (*o.writers == 0 || *o.writers > kMaxPeersPerRole)) {
    return "--writers " + std::to_string(*o.writers) + ": must be 1..64";
  }
  if (o.readers && ((*o.readers == 0 && !churn) || *o.readers > kMaxPeersPerRole)) {
    return "--readers " + std::to_string(*o.readers) + ": must be 1..64";
  }
  if (o.capacity && (*o.capacity == 0 || *o.capacity > (1U << 24))) {
    return "--capacity " + std::to_string(*o.capacity) + ": must be 1..16777216 messages";
  }
  const std::uint32_t min = o.msg_min.value_or(kMinMessage);
  const std::uint32_t max = o.msg_max.value_or(std::max<std::uint32_t>(256, min));
  if (min < kMinMessage) {
    return "--msg-size " + std::to_string(min) + ": every message carries a 24-byte integrity frame; use 24 or more";
  }
  if (min > max || max > kMaxMessage) return "--msg-size MIN:MAX needs 24 ≤ MIN ≤ MAX ≤ 1048576";
  if (o.kill_rate && (*o.kill_rate < 0 || *o.kill_rate > 1000)) return "--kill RATE: 0..1000 kills per second";
  if (o.kill_rate && *o.kill_rate > 0 && o.mode == PeerMode::kThreads) {
    return "--kill needs peers as processes (a thread cannot be killed): drop --threads or --kill";
  }
  if (o.duration.count() <= 0 && !o.messages) return "--duration must be positive";
  if (o.messages && *o.messages == 0) return "--messages must be at least 1";
  if (o.watchdog.count() < 100) return "--watchdog must be at least 100ms";
  if (o.segment_mib == 0 || o.segment_mib > 1024) return "--segment-size must be 1..1024 MiB";
  return {};
}

StressResult run_stress(const StressOptions& options, RunObserver& observer) {
  StressResult result;
  result.options = options;
  result.kernel = kernel_release();
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  if (auto why = validate(options); !why.empty()) {
    result.error = why;
    return result;
  }
  const auto phases = plan_phases(options);
  auto before = take_census();
  run_phases(options, phases, observer, result);
  if (before) {
    if (auto after = take_census()) {
      const auto left = leaked(*before, *after);
      result.leaked_segments = left.size();
      if (!left.empty()) {
        std::string names;
        for (const auto& n : left) names += (names.empty() ? "" : ", ") + n;
        if (result.phases.empty() && !result.error.empty()) {
          // Nothing ran: the channel failed before the first phase and what it left is part of that error.
          result.error += "; it left behind: " + names;
        } else {
          result.findings.push_back(Finding{.kind = "leak", .phase = "end", .detail = "left behind: " + names});
        }
      }
    }
  }
  result.seconds = elapsed();
  return result;
}

namespace {

void run_phases(const StressOptions& options, const std::vector<Phase>& phases, RunObserver& observer,
                StressResult& result) {
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  bool need_channel = false;
  std::uint32_t max_message = kMinMessage;
  std::uint32_t capacity = 1;
  for (const auto& p : phases) {
    if (!find_workload(p.workload)->uses_channel) continue;
    need_channel = true;
    max_message = std::max(max_message, p.msg_max);
    capacity = std::max(capacity, p.capacity);
  }
  Result<ChannelSource> channel = ChannelSource{};
  if (need_channel) {
    channel = resolve_channel(options.channel);
    if (!channel) {
      result.error = "--channel " + options.channel + ": " + channel.error().message();
      return;
    }
    result.channel_name = channel->vtable->name;
    const shmh_channel_config config{.capacity = capacity,
                                     .max_message = max_message,
                                     .backend = static_cast<std::uint32_t>(options.backend),
                                     .mode = 0600,
                                     .name = "shmh-preflight"};
    if (auto why = preflight_channel(*channel->vtable, config, std::chrono::milliseconds(10'000)); !why.empty()) {
      result.error = "channel " + result.channel_name + " failed its preflight (create, open, send, recv, destroy " +
                     "of one message): " + why;
      return;
    }
  }

  stats::LatencyHistogram latency;
  const double total_s = std::chrono::duration<double>(options.duration).count();
  for (std::size_t i = 0; i < phases.size() && !result.interrupted && result.error.empty(); ++i) {
    const Phase& phase = phases[i];
    const WorkloadDescriptor* workload = find_workload(phase.workload);
    WorkloadEnv env{.options = options,
                    .phase = phase,
                    .seed = phase_seed(options.seed, i),
                    .channel = workload->uses_channel ? &*channel : nullptr,
                    .observer = observer,
                    .phase_index = i,
                    .phases = phases.size(),
                    .run_elapsed_s = elapsed(),
                    .run_total_s = total_s};
    if (auto why = workload->unsupported(env); !why.empty()) {
      if (narrows(options)) {
        result.error = phase.workload + ": " + why;  // the user asked for exactly this
        break;
      }
      PhaseResult skipped;
      skipped.phase = phase;
      skipped.skipped = why;
      result.phases.push_back(skipped);
      continue;
    }
    PhaseOutcome out = workload->run(env);
    if (!out.error.empty()) {
      result.error = phase.name + ": " + out.error;
      if (out.result.ran) result.phases.push_back(out.result);
      for (auto& f : out.findings) result.findings.push_back(std::move(f));
      break;
    }
    latency.merge(out.histogram);
    result.phases.push_back(out.result);
    for (auto& f : out.findings) result.findings.push_back(std::move(f));
    result.interrupted = out.interrupted;
  }
  result.latency = summarize(latency);
}

}  // namespace

}  // namespace shmh::stress
