// run_limits: everything `shmharness limits` does, as one library call — read the limits, check the
// requirements, and optionally probe, self-test and audit. Prints nothing; report/ renders it.
//
//   auto outcome = shmh::run_limits({.requirements = *reqs, .audit = true});
//   outcome->pass()   // every requirement met, probe and self-test passed, no audit finding
#pragma once

#include <optional>
#include <vector>

#include "core/limits/audit.h"
#include "core/limits/limits_snapshot.h"
#include "core/limits/probe.h"
#include "core/limits/requirements.h"
#include "core/limits/selftest.h"
#include "core/result.h"

namespace shmh {

struct LimitsRequest {
  std::vector<Requirement> requirements;
  bool probe = false;
  ProbeOptions probe_options;
  bool selftest = false;
  bool audit = false;
};

struct LimitsOutcome {
  LimitsSnapshot snapshot;
  std::vector<RequirementResult> requirements;
  std::optional<ProbeResult> probe;
  std::optional<std::vector<SelftestLine>> selftest;
  std::optional<std::vector<AuditFinding>> audit;

  [[nodiscard]] bool pass() const;
};

// Errors: a limit source unreadable, a refused probe (--max-bytes, memory), no sandbox for the
// self-test.
[[nodiscard]] Result<LimitsOutcome> run_limits(const LimitsRequest& request);

}  // namespace shmh
