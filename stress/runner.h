// run_stress: the stress runner. Plans the phases (campaign_plan.h), resolves the channel, runs
// each phase's workload under the phase driver, merges counts, latency and findings, and counts
// the shared-memory objects the run left behind.
//
//   shmh::stress::StressOptions o;
//   o.seed = 42;
//   shmh::stress::RunObserver quiet;
//   auto result = shmh::stress::run_stress(o, quiet);
//   result.verdict();   // kPass, kFail (findings), kInterrupted, kError (result.error says why)
//
// Preconditions: in process mode the calling process has no other threads (peers are forked).
// The caller chooses the namespaces (the CLI enters a sandbox first) and the seed.
#pragma once

#include "core/result.h"
#include "stress/run_observer.h"
#include "stress/stress_options.h"
#include "stress/stress_result.h"

namespace shmh::stress {

// Checks the options before anything runs. Errors (no errno; call = the offending flag, detail =
// what to do): a value out of range, a workload that does not exist, an option or backend the
// chosen workload does not take, --kill with threads.
[[nodiscard]] Result<void> validate(const StressOptions& options);

StressResult run_stress(const StressOptions& options, RunObserver& observer);

}  // namespace shmh::stress
