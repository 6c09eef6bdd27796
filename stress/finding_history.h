// What led to a finding: the phase's peers' last operations (their flight recorders, flight_recorder.h),
// the writer's history a reader copied at its first problem, and the runner's last kills and pauses
// — attached by each workload to the findings of its phase, once the phase is over.
//
//   attach_history(out.findings, board, drive, &flow.implied_sends());  // a message flow's writers
#pragma once

#include <vector>

#include "stress/finding.h"
#include "stress/peer_board.h"
#include "stress/phase_driver.h"

namespace shmh::stress {

inline constexpr std::size_t kHistoryEntries = 16;  // per peer, in a finding
inline constexpr std::size_t kHistoryPeers = 16;    // peers per finding (writers first)
inline constexpr std::size_t kHistoryEvents = 16;   // the runner's last events

// Adds the history to every finding in `findings` that has none yet, its times made relative to
// the phase's start (`drive.start_ns`), and marks findings without a time at the phase's first
// reported problem (`drive.first_problem_t_s`) unless only the end-of-phase audit can know them.
// The records are read as untrusted bytes (flight_recorder.h). With `implied`, the writers'
// histories (and the readers' copies of them) hold the sends their cursors imply.
void attach_history(std::vector<Finding>& findings, const PeerBoard& board, const DriveOutcome& drive,
                    const ImpliedSends* implied = nullptr);

}  // namespace shmh::stress
