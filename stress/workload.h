// Workload: one kind of stress, one file each under stress/workloads/, all the same shape — a
// descriptor that carries everything the runner, the planner, the reporters and the CLI need to
// know about it (its name and help, what its peers are, the unit of its counts, its defaults, the
// backends it honours, its own options, how to describe one of its phases, why a phase cannot run,
// and run(), which executes one phase and returns its counts and findings: options in, result
// out). Nothing outside the workload's file and the list in workloads.cc names a workload.
//
// Adding a workload: stress/workloads/<name>.{h,cc} with `const WorkloadDescriptor& <name>_workload()`
// and one line in workloads.cc.
//
//   const auto* w = shmh::stress::find_workload("queue");
//   if (auto why = w->unsupported(env)) ...skip: *why...
//   PhaseOutcome out = w->run(env);
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/channel/channel_registry.h"
#include "core/result.h"
#include "core/stats/latency_histogram.h"
#include "stress/finding.h"
#include "stress/run_observer.h"
#include "stress/stress_options.h"
#include "stress/stress_result.h"

namespace shmh::stress {

// What a workload gets to run one phase.
struct WorkloadEnv {
  const StressOptions& options;
  const Phase& phase;
  std::uint64_t seed;            // this phase's seed (derived from the run's)
  const ChannelSource* channel;  // resolved --channel; null for workloads without one
  RunObserver& observer;
  // For the progress line: where this phase sits in the run.
  std::size_t phase_index = 0;
  std::size_t phases = 1;
  double run_elapsed_s = 0;  // when this phase started
  double run_total_s = 0;
};

struct PhaseOutcome {
  PhaseResult result;
  stats::LatencyHistogram histogram;  // merged into the run's
  std::vector<Finding> findings;
  bool interrupted = false;
  // Set when the phase could not run at all (setup failed): the run ends with exit 2.
  std::optional<SysError> error;
};

// The shape a narrowed run (--workload W with any other values left out) gives the phase.
struct PhaseDefaults {
  std::uint32_t writers = 2;
  std::uint32_t readers = 2;
  std::uint32_t msg_min = 8;  // self-identifying sizes: a narrowed run may have several writers
  std::uint32_t msg_max = 256;
  std::uint32_t capacity = 64;
};

struct WorkloadDescriptor {
  std::string_view name;
  std::string_view help;  // one line
  bool uses_channel = false;
  bool has_readers = true;            // false: --writers counts its workers and it takes no --readers
  std::string_view unit;              // what its "received" counts, for rates: "msg/s", "records/s", ...
  std::span<const Backend> backends;  // the --backend values it honours (others are refused)
  PhaseDefaults defaults;
  std::span<const WorkloadOption* const> options;  // its own flags
  // The phase's shape in the workload's own terms, for the report: "2w/2r 24..256 B cap 64".
  std::string (*describe)(const Phase& phase, const StressOptions& options) = nullptr;
  // Why `env.phase` cannot run with these options and this channel; nullopt when it can.
  std::optional<std::string> (*unsupported)(const WorkloadEnv& env) = nullptr;
  // Fits a campaign phase to what the channel takes (`flags`: SHMH_CHANNEL_*), e.g. one writer for a
  // channel without SHMH_CHANNEL_MULTI_WRITER; returns what it changed ("" when nothing). May be null.
  // A narrowed run is never fitted: what the user asked for runs or is refused.
  std::string (*fit)(Phase& phase, std::uint32_t flags) = nullptr;
  PhaseOutcome (*run)(WorkloadEnv& env) = nullptr;
};

// Every workload, in the order --help lists them. The first is the one a narrowed run without
// --workload runs.
std::span<const WorkloadDescriptor* const> workloads();
const WorkloadDescriptor* find_workload(std::string_view name);
// The workload `options` names, or the first of the list; null when the name is unknown.
const WorkloadDescriptor* chosen_workload(const StressOptions& options);

// The workload option behind a flag ("--segment-size"), if a workload declares it.
const WorkloadOption* find_workload_option(std::string_view flag);

// "queue, broadcast, regions, churn": for messages that list the choices.
std::string workload_names();

// For WorkloadDescriptor::backends.
inline constexpr std::array<Backend, 3> kAllBackends{Backend::kSysv, Backend::kPosix, Backend::kMemfd};
inline constexpr std::array<Backend, 1> kSysvOnly{Backend::kSysv};

}  // namespace shmh::stress
