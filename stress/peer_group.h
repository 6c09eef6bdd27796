// PeerGroup: a phase's peers — forked processes (default) or threads in this process (--threads,
// so ThreadSanitizer sees the synchronisation) — started, watched, killed and restarted by the
// runner. Each peer is (role, index); a restarted peer is a new incarnation of the same one and
// resumes from its PeerRecord.
//
//   PeerGroup group(PeerMode::kProcesses, board, [&](PeerId id) { return writer_body(id); });
//   group.start({Role::kWriter, 0});
//   group.poll();                       // reaps ended processes, records how they ended
//
// Processes ignore SIGINT and SIGTERM (the runner decides when a run ends and drains it) and die
// with the runner (PR_SET_PDEATHSIG). Precondition in process mode: the runner's process has no
// other threads (fork).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/process/child_process.h"
#include "core/result.h"
#include "stress/peer_board.h"
#include "stress/stress_options.h"

namespace shmh::stress {

struct PeerId {
  Role role = Role::kWriter;
  std::uint32_t index = 0;
  friend bool operator==(const PeerId&, const PeerId&) = default;
};

// "writer 1", "reader 0".
std::string describe(PeerId id);

// How a peer incarnation ended on its own (not by our SIGKILL). In threads mode `pid` is the
// thread's id (gettid).
struct PeerEnd {
  PeerId id;
  pid_t pid = 0;
  ChildExit exit;
};

class PeerGroup {
 public:
  // The body runs a peer to its end; its report's code 0 = ended normally, otherwise a finding
  // (peer-crash) with the message.
  using Body = std::function<ChildReport(PeerId)>;

  PeerGroup(PeerMode mode, const PeerBoard& board, Body body);
  PeerGroup(const PeerGroup&) = delete;
  PeerGroup& operator=(const PeerGroup&) = delete;
  ~PeerGroup();  // kills (processes) or joins (threads) whatever still runs

  // From now on each peer started runs on one CPU of this process's allowed set (sched_getaffinity),
  // round-robin by its place among the peers (writers, then readers); a peer that cannot pin
  // itself ends at once with the reason (a peer-crash).
  void pin_to_cpus();
  [[nodiscard]] Result<void> start(PeerId id);
  // SIGKILLs the peer, reaps it and returns its pid (processes only; ESRCH when it has ended).
  [[nodiscard]] Result<pid_t> kill(PeerId id);
  // Reaps ended processes / joined threads; their ends are in ends().
  void poll();
  [[nodiscard]] bool running(PeerId id) const;
  [[nodiscard]] bool any_running(Role role) const;
  [[nodiscard]] std::vector<PeerId> running_peers() const;
  // Waits up to `timeout` for every peer of `role` (or all when nullopt) to end; returns whether
  // they all did.
  bool wait(std::optional<Role> role, std::chrono::milliseconds timeout);
  // Ends every process with SIGKILL and reaps it; returns the peers it killed. Threads cannot be
  // killed: `stuck_threads` (when given) receives how many still run (they are detached at
  // destruction; whatever they use must stay alive).
  std::vector<PeerId> kill_all(std::size_t* stuck_threads = nullptr);

  [[nodiscard]] const std::vector<PeerEnd>& ends() const { return ends_; }

 private:
  struct Slot {
    PeerId id;
    ChildProcess process;
    std::unique_ptr<std::thread> thread;
    std::shared_ptr<ChildReport> thread_report;
    std::shared_ptr<std::atomic<bool>> thread_done;
  };
  Slot* find(PeerId id);
  [[nodiscard]] const Slot* find(PeerId id) const;
  void reap(Slot& s, ChildExit exit);

  // The CPU `id` is pinned to, or -1 when peers are not pinned.
  [[nodiscard]] int cpu_of(PeerId id) const;

  PeerMode mode_;
  const PeerBoard& board_;
  Body body_;
  std::vector<int> cpus_;  // pin_to_cpus(): the allowed CPUs, in order
  std::vector<Slot> slots_;
  std::vector<PeerEnd> ends_;
};

}  // namespace shmh::stress
