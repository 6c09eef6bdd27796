// The human side of `shmharness stress`: the live progress line (on a TTY) and the summary — one
// line per phase (what ran, counts, throughput, latency, kills), each finding, the totals and the
// verdict with the seed that replays the run.
#pragma once

#include <string>
#include <string_view>

#include "stress/run_observer.h"
#include "stress/stress_result.h"

namespace shmh {

// "[12.3/30.0 s] phase 3/6 edges  1.2 M msgs  850 k msg/s  4 kills  0 findings" (no newline).
std::string render_stress_progress(const stress::ProgressSnapshot& snapshot);
std::string render_stress_text(const stress::StressResult& result);
// The last line of the summary alone ("verdict: pass (every check held); seed 42 (replay ...)"): --quiet.
std::string render_stress_verdict(const stress::StressResult& result);
// "<indent>FINDING corrupt [kill]: detail" and, under it, the command that replays its phase.
std::string render_finding_head(const stress::Finding& finding, const stress::StressOptions& options,
                                std::string_view indent);
// A finding's context, condensed: each peer's last operations (and what it was doing at the end),
// the writer's history a reader copied at its first problem, the runner's last kills and pauses.
// Lines start with `indent`; "" when the finding has none.
std::string render_finding_history(const stress::Finding& finding, std::string_view indent);

}  // namespace shmh
