// RunObserver: how the runner talks to whoever runs it (the CLI's progress line and Ctrl-C, a
// test) without printing or reading globals itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace shmh::stress {

// One peer as the driver read it from its record in shared memory (for live counters).
struct PeerStat {
  std::string peer;  // "writer 0", "reader 1"
  std::int32_t pid = 0;
  std::uint32_t incarnation = 0;  // restarts after kills
  std::uint64_t progress = 0;     // operations done (messages sent or received, checks, lifecycles)
  std::string doing;              // "inside send of seq 17", "in verify", "finished"
};

struct ProgressSnapshot {
  std::string phase;
  std::size_t phase_index = 0;  // 0-based
  std::size_t phases = 0;
  double elapsed_s = 0;          // of the whole run
  double total_s = 0;            // the run's planned duration
  std::uint64_t operations = 0;  // messages sent + received (or writes + reads, checks) so far in the phase
  double ops_per_s = 0;          // operations per second since the previous snapshot of the phase
  std::uint64_t bytes = 0;
  std::uint64_t kills = 0;
  std::uint64_t findings = 0;
  std::vector<PeerStat> peers;  // only when the observer wants_peers()
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // About every 200 ms while a phase runs. Called from the runner's thread.
  virtual void progress(const ProgressSnapshot& /*snapshot*/) {}
  // Whether progress() should carry each peer's counters (read from the board; costs a string each).
  [[nodiscard]] virtual bool wants_peers() const { return false; }
  // Polled every few ms: true ends the run early (Ctrl-C) with a partial report.
  [[nodiscard]] virtual bool interrupted() const { return false; }
};

}  // namespace shmh::stress
