// `shmharness stress --repeat N`: N runs of the same campaign (or --phase) with seeds derived from
// the first, and how many of them found what — the way to tell a flaky channel (a finding in some
// runs, always the same kind) from a flaky harness. Schema "shmharness-stress-repeat/1" nests each
// run's "shmharness-stress/1" document.
//
//   std::fputs(render_repeat_run(run, i, n).c_str(), out);   // as each run ends
//   std::fputs(render_repeat_summary(runs, n).c_str(), out);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "stress/stress_result.h"

namespace shmh {

// One (kind, phase) found in some of the runs: the seeds of those runs, in run order.
struct RepeatTallyRow {
  stress::FindingKind kind{};
  std::string phase;
  std::vector<std::uint64_t> seeds;
};
std::vector<RepeatTallyRow> tally_repeats(const std::vector<stress::StressResult>& runs);

// fail if any run found something, else error if any run could not be done, else interrupted if
// the repeats were cut short, else pass.
stress::Verdict repeat_verdict(const std::vector<stress::StressResult>& runs, std::size_t planned);

// "run 2/10 seed 77: verdict: fail (1 finding(s)) ..." and each finding with its replay command.
std::string render_repeat_run(const stress::StressResult& run, std::size_t index, std::size_t planned);
// "repeat: 10 runs, 3 with findings" and one line per (kind, phase), then the verdict.
std::string render_repeat_summary(const std::vector<stress::StressResult>& runs, std::size_t planned);
std::string render_repeat_json(const std::vector<stress::StressResult>& runs, std::size_t planned);

}  // namespace shmh
