// The command line that replays one phase of a run: what every finding prints, so the engineer who
// gets it from CI reruns the phase that failed — the same channel, seed, peers and schedule — not
// the whole campaign.
//
//   replay_command(result.options, finding.phase)
//   → "shmharness stress --channel ring --backend sysv --duration 10s --seed 42 --phase kill"
//
// A campaign phase is replayed with --phase and the run's --duration (a phase's length is its share
// of the whole run); a narrowed run (--workload, --writers, ...) is one phase: its own options.
#pragma once
#include <string>
#include <string_view>

#include "stress/stress_options.h"

namespace shmh::stress {

// `phase` is the name a finding carries; "" or a name that is not one of the run's phases (e.g.
// "end", a leak found after the last phase) gives the command for the whole run.
std::string replay_command(const StressOptions& options, std::string_view phase);

// `text` quoted for a POSIX shell when it holds anything but [A-Za-z0-9_./:=@%+,-].
std::string shell_quote(std::string_view text);

}  // namespace shmh::stress
