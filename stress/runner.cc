#include "stress/runner.h"

#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/channel/channel_registry.h"
#include "core/framing/frame.h"
#include "core/random/splitmix.h"
#include "stress/campaign_plan.h"
#include "stress/channel_preflight.h"
#include "stress/latency_summary.h"
#include "stress/perturbation.h"
#include "stress/phase_descriptor.h"
#include "stress/segment_census.h"
#include "stress/workload.h"

namespace shmh::stress {
namespace {

std::string kernel_release() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown";
  return u.release;
}

void run_phases(const StressOptions& options, const std::vector<Phase>& phases, RunObserver& observer,
                StressResult& result);

Result<void> bad(const std::string& flag, const std::string& what) { return logic_error(flag, what); }

// The campaign sizes its largest messages down to this for a channel that takes no more (the
// pipe's limit: PIPE_BUF less its length word).
constexpr std::uint32_t kCampaignFloor = 4092;

}  // namespace

Result<void> validate(const StressOptions& o) {
  const WorkloadDescriptor* workload = chosen_workload(o);
  if (workload == nullptr)
    return bad("--workload " + o.workload.value_or(""), "unknown (one of " + workload_names() + ")");
  if (o.writers && (*o.writers == 0 || *o.writers > kMaxPeersPerRole)) {
    return bad("--writers " + std::to_string(*o.writers), "must be 1..64");
  }
  if (o.readers && !workload->has_readers) {
    return bad("--readers", "workload " + std::string(workload->name) + " has no readers (--writers sets its workers)");
  }
  if (o.readers && (*o.readers == 0 || *o.readers > kMaxPeersPerRole)) {
    return bad("--readers " + std::to_string(*o.readers), "must be 1..64");
  }
  if (o.workload &&
      std::find(workload->backends.begin(), workload->backends.end(), o.backend) == workload->backends.end()) {
    std::string names;
    for (const Backend b : workload->backends) names += (names.empty() ? "" : ", ") + std::string(to_string(b));
    return bad("--backend " + std::string(to_string(o.backend)),
               "workload " + std::string(workload->name) + " runs on " + names + " only");
  }
  for (const auto& v : o.workload_options) {
    const auto& mine = workload->options;
    if (!o.workload || std::find(mine.begin(), mine.end(), v.option) == mine.end()) {
      std::string owners;
      for (const auto* w : workloads()) {
        if (std::find(w->options.begin(), w->options.end(), v.option) != w->options.end())
          owners += (owners.empty() ? "" : ", ") + std::string(w->name);
      }
      std::string why = "applies to workload ";
      why.append(owners).append(" only: add --workload ").append(owners);
      return bad(std::string(v.option->flag), why);
    }
  }
  if (o.capacity && (*o.capacity == 0 || *o.capacity > (1U << 24))) {
    return bad("--capacity " + std::to_string(*o.capacity), "must be 1..16777216 messages");
  }
  const std::uint32_t min = o.msg_min.value_or(0);
  const std::uint32_t max = o.msg_max.value_or(std::max<std::uint32_t>(256, min));
  if (min > max || max == 0 || max > kMaxMessage)
    return bad("--msg-size MIN:MAX", "needs 0 ≤ MIN ≤ MAX, 1 ≤ MAX ≤ 1048576");
  // NaN compares false with everything: test for the valid range, not for the invalid one.
  if (o.kill_rate && !(std::isfinite(*o.kill_rate) && *o.kill_rate >= 0 && *o.kill_rate <= 1000)) {
    return bad("--kill", "RATE must be a number of kills per second, 0..1000");
  }
  if (o.kill_rate && *o.kill_rate > 0 && o.mode == PeerMode::kThreads) {
    return bad("--kill", "needs peers as processes (a thread cannot be killed): drop --threads or --kill");
  }
  if (o.no_kill && o.kill_rate && *o.kill_rate > 0) {
    return bad("--no-kill", "contradicts --kill: drop one of them");
  }
  if (o.pause_rate && !(std::isfinite(*o.pause_rate) && *o.pause_rate >= 0 && *o.pause_rate <= 1000)) {
    return bad("--pause", "RATE must be a number of pauses per second, 0..1000");
  }
  if (o.pause_rate && *o.pause_rate > 0 && o.mode == PeerMode::kThreads) {
    return bad("--pause", "needs peers as processes (SIGSTOP stops the whole process): drop --threads or --pause");
  }
  if (o.phase) {
    if (narrows(o)) {
      return bad("--phase " + *o.phase,
                 "replays one phase of the default campaign: drop --workload/--writers/--readers/--msg-size/"
                 "--capacity/--kill/--pause (a narrowed run is one phase already)");
    }
    if (find_phase(*o.phase) == nullptr) {
      std::string names;
      for (const PhaseDescriptor* d : campaign_phases()) names += (names.empty() ? "" : ", ") + std::string(d->name);
      return bad("--phase " + *o.phase, "no such phase; the campaign's phases are " + names);
    }
  }
  if (o.duration.count() <= 0 && !o.messages) return bad("--duration", "must be positive");
  if (o.messages && *o.messages == 0) return bad("--messages", "must be at least 1");
  if (o.watchdog.count() < 100) return bad("--watchdog", "must be at least 100ms");
  return {};
}

StressResult run_stress(const StressOptions& options, RunObserver& observer) {
  StressResult result;
  result.options = options;
  result.kernel = kernel_release();
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  if (auto valid = validate(options); !valid) {
    result.error = valid.error();
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
        if (result.phases.empty() && result.error) {
          // Nothing ran: the channel failed before the first phase and what it left is part of that error.
          result.error->detail += (result.error->detail.empty() ? "" : "; ") + std::string("it left behind: ") + names;
        } else {
          result.findings.push_back(
              Finding{.kind = FindingKind::kLeak, .phase = "end", .detail = "left behind: " + names});
        }
      }
    }
  }
  result.seconds = elapsed();
  return result;
}

namespace {

// The phase as the report shows it, before or without running it.
PhaseResult phase_record(const Phase& phase, const StressOptions& options) {
  const WorkloadDescriptor* w = find_workload(phase.workload);
  PhaseResult r;
  r.phase = phase;
  r.shape = w->describe(phase, options);
  for (const auto* p : perturbations()) {
    if (p->make(phase, 0) != nullptr) r.shape += " " + p->describe(phase);
  }
  r.unit = std::string(w->unit);
  return r;
}

// Why the phase cannot run here: its own fit (phase descriptor), its perturbations', then its
// workload's.
std::optional<std::string> why_not(const WorkloadEnv& env, const WorkloadDescriptor& workload) {
  const bool has_channel = env.channel != nullptr && env.channel->vtable != nullptr;
  const PhaseFit fit{.channel_flags = has_channel ? env.channel->vtable->flags : 0U,
                     .channel_name = has_channel ? env.channel->vtable->name : "",
                     .mode = env.options.mode,
                     .no_kill = env.options.no_kill};
  if (const PhaseDescriptor* d = find_phase(env.phase.name); d != nullptr && d->applies_to != nullptr) {
    if (auto why = d->applies_to(fit)) return why;
  }
  for (const auto* p : perturbations()) {
    if (p->applies_to != nullptr && p->make(env.phase, env.seed) != nullptr) {
      if (auto why = p->applies_to(fit)) return why;
    }
  }
  return workload.unsupported(env);
}

void run_phases(const StressOptions& options, const std::vector<Phase>& phases, RunObserver& observer,
                StressResult& result) {
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); };
  bool need_channel = false;
  std::uint32_t max_message = kFrameHeaderSize;  // the preflight sends one frame
  std::uint32_t capacity = 1;
  for (const auto& p : phases) {
    if (!find_workload(p.workload)->uses_channel) continue;
    need_channel = true;
    max_message = std::max(max_message, p.msg_max);
    capacity = std::max(capacity, p.capacity);
  }
  Result<ChannelSource> channel = ChannelSource{};
  std::uint32_t channel_max = max_message;  // the largest message the channel was seen to take
  if (need_channel) {
    channel = resolve_channel(options.channel);
    if (!channel) {
      result.error = logic_error("--channel " + options.channel, channel.error().message());
      return;
    }
    result.channel_name = channel->vtable->name;
    shmh_channel_config config{.capacity = capacity,
                               .max_message = max_message,
                               .backend = static_cast<std::uint32_t>(options.backend),
                               .mode = 0600,
                               .name = "shmh-preflight"};
    auto passed = preflight_channel(*channel->vtable, config, std::chrono::milliseconds(10'000));
    // The campaign's largest messages may be beyond what the channel takes (a pipe's 4092 bytes):
    // halve them until it creates, down to kCampaignFloor; the phases are then fitted to that.
    while (!passed && passed.error().call == "preflight create" && !narrows(options) &&
           config.max_message > kCampaignFloor) {
      config.max_message = std::max(config.max_message / 2, kCampaignFloor);
      passed = preflight_channel(*channel->vtable, config, std::chrono::milliseconds(10'000));
    }
    channel_max = config.max_message;
    if (!passed) {
      const SysError& e = passed.error();
      result.error = sys_error(e.err, "channel " + result.channel_name,
                               "failed its preflight (create, open, send, recv, destroy of one message): " +
                                   (e.err == 0 ? e.detail : e.message()));
      return;
    }
  }

  stats::LatencyHistogram latency;
  const double total_s = std::chrono::duration<double>(options.duration).count();
  for (std::size_t i = 0; i < phases.size() && !result.interrupted && !result.error; ++i) {
    if (options.phase && phases[i].name != *options.phase) continue;  // --phase: its index keeps its seed
    if (options.fail_fast && !result.findings.empty()) {
      PhaseResult not_run = phase_record(phases[i], options);
      not_run.skipped = "not run: --fail-fast ended the run at the first finding";
      result.phases.push_back(not_run);
      result.cut_short = true;
      continue;
    }
    Phase phase = phases[i];
    const WorkloadDescriptor* workload = find_workload(phase.workload);
    // The campaign fits each phase to what the channel takes; a narrowed run runs as asked.
    std::string fitted;
    if (!narrows(options) && workload->uses_channel) {
      if (phase.msg_max > channel_max) {
        fitted = "sizes up to " + std::to_string(channel_max) + " (the channel takes no more)";
        phase.msg_max = channel_max;
        phase.msg_min = std::min(phase.msg_min, phase.msg_max);
      }
      if (workload->fit != nullptr) {
        const std::string more = workload->fit(phase, channel->vtable->flags);
        if (!more.empty()) fitted += (fitted.empty() ? "" : ", ") + more;
      }
    }
    WorkloadEnv env{.options = options,
                    .phase = phase,
                    .seed = derive_seed(options.seed, i),
                    .channel = workload->uses_channel ? &*channel : nullptr,
                    .observer = observer,
                    .phase_index = i,
                    .phases = phases.size(),
                    .run_elapsed_s = elapsed(),
                    .run_total_s = total_s};
    if (auto why = why_not(env, *workload)) {
      if (narrows(options)) {
        result.error = logic_error(phase.workload, *why);  // the user asked for exactly this
        break;
      }
      PhaseResult skipped = phase_record(phases[i], options);  // as planned: it was not fitted to anything
      skipped.skipped = *why;
      result.phases.push_back(skipped);
      continue;
    }
    PhaseOutcome out = workload->run(env);
    const PhaseResult described = phase_record(phase, options);
    out.result.shape = described.shape;
    out.result.unit = described.unit;
    out.result.fitted = fitted;
    if (out.error) {
      result.error = out.error;
      result.error_phase = phase.name;
      if (out.result.ran) result.phases.push_back(out.result);
      for (auto& f : out.findings) result.findings.push_back(std::move(f));
      break;
    }
    latency.merge(out.histogram);
    out.result.latency_bins = latency_bins(out.histogram);
    result.phases.push_back(out.result);
    for (auto& f : out.findings) result.findings.push_back(std::move(f));
    result.interrupted = out.interrupted;
  }
  result.latency = summarize(latency);
}

}  // namespace

}  // namespace shmh::stress
