// PeerBoard: the run's shared blackboard — one record per peer (writer, reader or worker) plus the
// run's control words, in a MAP_SHARED anonymous mapping made before any peer starts, so forked
// peers and threads see the same memory. Peers write only their own record; the runner reads them
// all (progress for the watchdog, resume points after a kill, counts at the end).
//
// Everything here is written by peers the harness does not trust to be alive or sane: the runner
// treats what it reads as hints that it bounds-checks (a killed peer may leave a half-updated
// record), never as indices it follows blindly.
//
//   auto board = shmh::stress::PeerBoard::create(writers, readers);
//   auto& me = board->writer(0);
//   me.begin(PeerOp::kSend, seq);   ... me.done_one(bytes);
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <string>
#include <type_traits>

#include "core/check.h"
#include "core/result.h"
#include "core/stats/latency_histogram.h"
#include "stress/flight_recorder.h"
#include "stress/stress_options.h"

namespace shmh::stress {

enum class Role : std::uint32_t { kWriter, kReader };

// "writer", "reader".
const char* to_string(Role role);

// What a peer is doing, for the watchdog's report.
enum class PeerOp : std::uint32_t { kStarting, kOpen, kSend, kRecv, kVerify, kWrite, kRead, kSyscall, kIdle, kDone };

// "starting", "open", "send", ...
const char* to_string(PeerOp op);

// Whether a peer in `op` is inside a channel call (where aimed kills and pauses land).
constexpr bool inside_channel_call(PeerOp op) { return op == PeerOp::kSend || op == PeerOp::kRecv; }

inline constexpr std::uint64_t kNoSequence = ~std::uint64_t{0};

// One peer's record. All fields are atomics on shared memory; a peer updates its own with relaxed
// loads and stores — one writer per record, so no read-modify-write is needed on the per-message
// path (a SIGKILL cannot tear an aligned 8-byte store) — and the runner reads them after the peer
// is reaped or, for the watchdog, while it runs.
struct alignas(64) PeerRecord {
  std::atomic<std::int32_t> pid{0};
  std::atomic<std::uint32_t> op{0};        // PeerOp
  std::atomic<std::uint64_t> op_arg{0};    // the sequence being sent, the region being read...
  std::atomic<std::uint64_t> progress{0};  // operations completed (all incarnations)
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint32_t> incarnation{0};  // restarts so far
  std::atomic<std::uint32_t> finished{0};     // 1: ended on its own (not killed)
  std::atomic<std::uint64_t> ended_ns{0};     // monotonic_ns() when it ended on its own (finish()), 0 before
  // Counts a peer found (readers: per message; workers: per check).
  std::atomic<std::uint64_t> ok{0};
  std::atomic<std::uint64_t> corrupt{0};
  std::atomic<std::uint64_t> duplicated{0};
  std::atomic<std::uint64_t> reordered{0};
  std::atomic<std::uint64_t> errors{0};        // channel errors, failed checks
  std::atomic<std::uint64_t> lost_wakeups{0};  // waits that ended without what was there (lockstep)
  // The first problem the peer saw, NUL-terminated (written once: first_problem_set 0 → 1).
  std::atomic<std::uint32_t> first_problem_set{0};
  char first_problem[256] = {};
  std::atomic<std::uint64_t> rss_anon_kib{0};  // the peer's private resident memory when it ended
  std::atomic<std::uint64_t> mapped_at{0};     // where this incarnation's open mapped the channel (0: unknown)
  stats::LatencyHistogram latency;             // readers: send-to-receive, ns
  FlightRecorder recorder;                     // its last operations (flight_recorder.h)
  FlightSnapshot snapshot;                     // readers: the writer's recorder at this reader's first problem

  // The workload's own per-peer state, a type of its choosing (the message flow's send cursor,
  // churn's open lifecycle): constructed by PeerBoard::init_states before any peer starts, reached
  // through state<S>() with the same S. Standard-layout atomics only: it lives in shared memory and
  // survives the peer's kill.
  static constexpr std::size_t kStateBytes = 64;
  template <class S>
  [[nodiscard]] S& state() noexcept {
    check_state_type<S>();
    return *std::launder(reinterpret_cast<S*>(state_));
  }
  template <class S>
  [[nodiscard]] const S& state() const noexcept {
    check_state_type<S>();
    return *std::launder(reinterpret_cast<const S*>(state_));
  }

  // What the peer does now (the watchdog times how long it stays there). No clock, no RMW.
  void begin(PeerOp what, std::uint64_t arg = 0) noexcept {
    op_arg.store(arg, std::memory_order_relaxed);
    op.store(static_cast<std::uint32_t>(what), std::memory_order_relaxed);
  }
  // The same, keeping op_arg: one store (the per-message paths count theirs, README "Benchmarks").
  void now_in(PeerOp what) noexcept { op.store(static_cast<std::uint32_t>(what), std::memory_order_relaxed); }
  // Adds to one of this record's counters: only its own peer writes it.
  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void done_one(std::uint64_t nbytes) noexcept {
    add(progress, 1);
    add(bytes, nbytes);
  }
  // Records the first problem's text (later ones only count).
  void note_problem(const std::string& text) noexcept;
  // Marks the peer finished on its own, stamps when (ended_ns, before anything else) and records
  // its RssAnon (call last in a peer's body).
  void finish() noexcept;

  template <class S>
  static constexpr void check_state_type() noexcept {
    static_assert(sizeof(S) <= kStateBytes, "a workload's peer state must fit its 64 bytes");
    static_assert(alignof(S) <= 8, "a workload's peer state is aligned to 8 bytes at most");
    static_assert(std::is_standard_layout_v<S>, "a workload's peer state lives in shared memory: standard layout");
    static_assert(std::is_trivially_destructible_v<S>, "a workload's peer state is never destroyed: nothing to free");
  }
  alignas(8) std::byte state_[kStateBytes] = {};
};

class PeerBoard {
 public:
  // Maps the board: control words, `writers` + `readers` records, and a reader × writer table of
  // the last sequence each reader saw from each writer (for the per-writer order check).
  // Errors: writers or readers above kMaxPeersPerRole (EINVAL), mmap.
  static Result<PeerBoard> create(std::uint32_t writers, std::uint32_t readers);

  PeerBoard() = default;
  PeerBoard(PeerBoard&& other) noexcept;
  PeerBoard& operator=(PeerBoard&& other) noexcept;
  PeerBoard(const PeerBoard&) = delete;
  PeerBoard& operator=(const PeerBoard&) = delete;
  ~PeerBoard();

  [[nodiscard]] std::uint32_t writers() const { return writers_; }
  [[nodiscard]] std::uint32_t readers() const { return readers_; }
  [[nodiscard]] PeerRecord& writer(std::uint32_t i) const;
  [[nodiscard]] PeerRecord& reader(std::uint32_t i) const;
  [[nodiscard]] PeerRecord& record(Role role, std::uint32_t i) const {
    return role == Role::kWriter ? writer(i) : reader(i);
  }
  // The last sequence reader r accepted from writer w (kNoSequence before the first).
  // Inline, like the control reads below: readers call it for every message.
  [[nodiscard]] std::atomic<std::uint64_t>& last_seen(std::uint32_t r, std::uint32_t w) const {
    SHMH_CHECK(r < readers_ && w < writers_, "last_seen index out of range");
    return last_seen_[std::size_t{r} * writers_ + w];
  }

  // Constructs the workload's per-peer state in every record: `WriterState` in the writers',
  // `ReaderState` in the readers'. Call once, before any peer starts.
  template <class WriterState, class ReaderState = WriterState>
  void init_states() const {
    PeerRecord::check_state_type<WriterState>();
    PeerRecord::check_state_type<ReaderState>();
    for (std::uint32_t i = 0; i < writers_; ++i) new (writer(i).state_) WriterState();
    for (std::uint32_t i = 0; i < readers_; ++i) new (reader(i).state_) ReaderState();
  }

  // Control: writers stop sending when stop_writing is set; readers end once it is set, all
  // writers have finished and the channel stays empty for a while (drain); everyone ends at abort.
  [[nodiscard]] bool stop_writing() const { return control_->stop_writing.load(std::memory_order_acquire) != 0; }
  void set_stop_writing() const;
  [[nodiscard]] bool writers_done() const { return control_->writers_done.load(std::memory_order_acquire) != 0; }
  void set_writers_done() const;
  [[nodiscard]] bool aborted() const { return control_->aborted.load(std::memory_order_acquire) != 0; }
  void set_aborted() const;

  // Sum of every record's progress (the watchdog's clock).
  [[nodiscard]] std::uint64_t total_progress() const;

 private:
  struct Control {
    alignas(64) std::atomic<std::uint32_t> stop_writing{0};
    std::atomic<std::uint32_t> writers_done{0};
    std::atomic<std::uint32_t> aborted{0};
  };
  Control* control_ = nullptr;
  PeerRecord* records_ = nullptr;
  std::atomic<std::uint64_t>* last_seen_ = nullptr;
  void* memory_ = nullptr;
  std::size_t size_ = 0;
  std::uint32_t writers_ = 0;
  std::uint32_t readers_ = 0;
};

// When the writers stopped: the latest end a writer stamped (PeerRecord::ended_ns), or `now_ns`
// when one did not end on its own (killed, not restarted) or stamped a time outside
// [start_ns, now_ns] — a hint read from shared memory, bounded. The phase's active time ends here,
// not at the runner's tick that saw the last writer gone (up to 5 ms later: 2 % of a 250 ms phase).
std::uint64_t writers_end_ns(const PeerBoard& board, std::uint64_t start_ns, std::uint64_t now_ns);

// This process's private resident memory (RssAnon in /proc/self/status), 0 if unreadable.
std::uint64_t rss_anon_kib() noexcept;

// CLOCK_MONOTONIC in ns: the same clock in every process of the machine (stamps cross processes).
std::uint64_t monotonic_ns() noexcept;

// "writer 0 0x7f3a…, reader 0 0x7f2b…": where each peer's current incarnation mapped its channel
// (PeerRecord::mapped_at; peers that recorded none are left out); "" when none did.
std::string describe_mappings(const PeerBoard& board);

}  // namespace shmh::stress
