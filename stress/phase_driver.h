// The phase driver: the loop every workload runs its peers under. It starts them, runs the phase
// for its duration (or until the writers finish a --messages quota), ticks the phase's
// perturbations (perturbation.h: SIGKILL and restart, ...) through the PeerControl it implements,
// ends the phase in order (writers stop, then readers drain
// and stop), and watches progress: no progress for the watchdog's time ends the phase with a
// "stall" finding that names each peer still running, its pid, role and the operation it is in —
// "no-recovery" when a kill came before progress stopped, naming the kill. A peer that dies on its
// own ends the phase at once (peer-crash); so does an interrupt reported by the observer.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "stress/peer_board.h"
#include "stress/peer_group.h"
#include "stress/phase_timeline.h"
#include "stress/workload.h"

namespace shmh::stress {

struct DriveConfig {
  // Called after a peer was SIGKILLed and reaped, before it restarts — and once the phase has
  // ended for each peer that died on its own (a crash ends the phase: it does not restart): the
  // workload's accounting of what the peer left in flight (from its record), e.g. a reader's
  // received messages not yet checked are checked.
  std::function<void(PeerId)> on_kill;
  // Describes a peer's current operation argument for the stall report ("seq 17"); may be empty.
  std::function<std::string(PeerId, const PeerRecord&)> describe_op;
  // Every peer moves its progress after each call, whatever the answer (the hostile workload): a
  // running peer whose record has not changed for the watchdog's time is inside one call that
  // ignores its timeout — a stall, even while the others move.
  bool every_call_progresses = false;
};

struct DriveOutcome {
  double seconds = 0;         // start of the peers to the end of the drain
  double active_seconds = 0;  // start of the peers until the last writer ended: what rates divide by
  std::uint64_t kills = 0;
  std::uint64_t pauses = 0;
  bool interrupted = false;
  bool aborted = false;  // ended by the watchdog or a failed start: the channel's state is suspect
  // Threads still inside a channel call after the stall (a channel that ignores its timeouts):
  // they cannot be killed, so the workload must keep everything they use alive and end the run.
  std::size_t stuck_threads = 0;
  std::uint64_t runner_rss_anon_kib = 0;
  std::uint64_t peers_rss_anon_kib = 0;  // processes only
  std::vector<Finding> findings;         // stall, peer-crash
  std::vector<PhaseEvent> events;        // kills and pauses, in order (the flight recorder's context)
  std::uint64_t start_ns = 0;            // CLOCK_MONOTONIC when the peers were started
  // What each peer was doing when the phase ended (writers, then readers): "inside send of seq 17",
  // "in verify", "finished".
  std::vector<std::string> doing;
  std::vector<TimelinePoint> timeline;  // progress, kills and pauses every 100 ms (phase_timeline.h)
  double first_problem_t_s = -1;        // when the driver first saw a peer report a problem; -1: none
};

// Moves what the driver measured into a workload's outcome: interrupted, the findings, and the
// result's times, kills, restarts, memory, timeline and events; marks the phase as run.
void take_drive(DriveOutcome& drive, PhaseOutcome& out);

// Runs the phase: every writer and reader of `board` is started through `group`.
DriveOutcome drive_phase(PeerGroup& group, const PeerBoard& board, const WorkloadEnv& env, const DriveConfig& config);

}  // namespace shmh::stress
