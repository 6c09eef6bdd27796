// Workload: one kind of stress, one file each under stress/workloads/, all the same shape — a
// descriptor with a name, a line of help, whether it drives a channel, a check that says why a
// phase cannot run here, and run(), which executes one phase and returns its counts and findings
// (options in, result out). Adding a workload is one new file plus one line in workloads.cc.
//
//   const auto* w = shmh::stress::find_workload("queue");
//   if (auto why = w->unsupported(env); !why.empty()) ...skip: why...
//   PhaseOutcome out = w->run(env);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/channel/channel_registry.h"
#include "core/stats/latency_histogram.h"
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
  std::string error;  // could not run at all (setup failed): the run ends with exit 2
};

struct WorkloadDescriptor {
  std::string_view name;
  std::string_view help;
  bool uses_channel = false;
  // Why `env.phase` cannot run with these options and this channel ("" when it can).
  std::string (*unsupported)(const WorkloadEnv& env) = nullptr;
  PhaseOutcome (*run)(WorkloadEnv& env) = nullptr;
};

// Every workload, in the order --help lists them.
std::span<const WorkloadDescriptor* const> workloads();
const WorkloadDescriptor* find_workload(std::string_view name);

}  // namespace shmh::stress
