// The flight recorder: each peer's last operations, kept in its board record in shared memory so
// they survive the peer's SIGKILL, and attached to every finding of the phase (with the driver's
// kills and pauses) so the engineer who gets a finding from CI sees what led to it.
//
//   rec.recorder.record(op, outcome, incarnation, size, writer, seq, t_ns);   // a peer, per operation
//   rec.recorder.start_sends(w, incarnation, next_seq);  // a writer, once per incarnation
//   snapshot.take_if_due(writer_rec.recorder, cursor);   // a reader's first problem: the writer's history then
//   auto last = rec.recorder.last(16);            // the runner, after the phase: oldest first
//   auto sends = rec.recorder.last(16, cursor, size_of);  // a writer's, with its implied sends
//
// A record costs three relaxed stores and one release store to lines only this peer writes: no
// clock read (t_ns is the time the caller already read for its latency sample, else 0), no
// read-modify-write. A writer's successful sends are *implied*, not recorded one by one: every
// store on the writer's path between two sends costs the stream (README "Benchmarks": five recorder
// stores per message held the 1 -> 1 stream at 0.66-0.80 of the raw one). Its cursor already says
// which sends returned (below next_seq) and which one is under way, its run says from which sequence
// this incarnation (and the one before) sent, and the sizes are a function of (writer, sequence); the
// writer records only what cannot be derived — a timeout, an error, and the sends that carry a
// timestamp — and an implied send is decoded only where no recorded entry speaks for that sequence.
// What the runner reads back is never trusted: the recorder lives in memory the channel under test
// could scribble on, so decoding bounds every field.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace shmh::stress {

// How an operation ended.
enum class FlightOutcome : std::uint8_t {
  kOk,
  kTimeout,
  kClosed,
  kError,      // a channel error other than a timeout
  kCorrupt,    // received: failed its checks
  kDuplicate,  // received again
  kReordered,  // received after a later one of its writer
  kBeyond,     // received: a sequence never sent
  kPending,    // under way: the call a peer was inside when it was killed (recorded by the runner)
               // or is inside now (a writer's, implied by its cursor): its history shows it
  kMaxValue = kPending,
};
const char* to_string(FlightOutcome outcome);

inline constexpr std::uint32_t kUnknownWriter = 0xffff;
inline constexpr std::uint64_t kUnknownSeq = 0xffffffffffffULL;  // 48 bits, all set

// One decoded operation.
struct FlightEntry {
  std::uint8_t op = 0;  // PeerOp
  FlightOutcome outcome = FlightOutcome::kOk;
  std::uint16_t incarnation = 0;
  std::uint32_t size = 0;
  std::uint32_t writer = kUnknownWriter;  // whose message (sends: the sender itself)
  std::uint64_t seq = 0;                  // 48 bits; kUnknownSeq when not known
  std::uint64_t t_ns = 0;                 // CLOCK_MONOTONIC when sampled, else 0 (in a finding: since the phase began)
};
// "send w0#499 64 B ok", "recv w1#12 40 B corrupt @123.456789 s"
std::string describe(const FlightEntry& entry);

struct FlightSlot {
  std::atomic<std::uint64_t> head{0};  // op | outcome << 8 | incarnation << 16 | size << 32
  std::atomic<std::uint64_t> who{0};   // writer << 48 | seq
  std::atomic<std::uint64_t> t_ns{0};
};

// The sequences one incarnation of a writer sent from: [first, the cursor's next_seq) for the current
// one, [first, end) for the one before it.
struct SendRun {
  std::atomic<std::uint64_t> first{kUnknownSeq};  // kUnknownSeq: no run
  std::atomic<std::uint64_t> end{kUnknownSeq};    // the one before only: the next run's first
  std::atomic<std::uint32_t> writer{kUnknownWriter};
  std::atomic<std::uint32_t> incarnation{0};
};

// What a writer's send cursor says now: sends below next_seq returned OK; in_flight is the send
// under way (kUnknownSeq: none).
struct SendCursorNow {
  std::uint64_t next_seq = 0;
  std::uint64_t in_flight = kUnknownSeq;
};
// The size of writer w's message `seq` (the run's sizes are a function of the two).
using SizeOf = std::function<std::uint32_t(std::uint32_t w, std::uint64_t seq)>;
// What decodes the writers' implied sends: each writer's cursor now, and the sizes.
struct ImpliedSends {
  std::function<SendCursorNow(std::uint32_t w)> cursor;
  SizeOf size_of;
};

struct FlightRecorder {
  // More than a campaign channel's capacity (≤ 64): a reader's snapshot still holds the send of
  // the message it found wrong, however far ahead the writer ran meanwhile.
  static constexpr std::size_t kEntries = 128;
  std::atomic<std::uint64_t> count{0};  // operations recorded (all incarnations)
  FlightSlot slots[kEntries];
  SendRun runs[2];  // a writer's: [0] this incarnation's, [1] the one before

  // A writer starting (or restarting) to send at `first`: the current run becomes the one before.
  void start_sends(std::uint32_t writer, std::uint32_t incarnation, std::uint64_t first) noexcept;

  void record(std::uint8_t op, FlightOutcome outcome, std::uint32_t incarnation, std::uint32_t size,
              std::uint32_t writer, std::uint64_t seq, std::uint64_t t_ns) noexcept {
    const std::uint64_t n = count.load(std::memory_order_relaxed);
    FlightSlot& s = slots[n % kEntries];
    s.head.store(head_word(op, outcome, incarnation, size), std::memory_order_relaxed);
    s.who.store(std::uint64_t{writer & 0xffffU} << 48 | (seq & 0xffffffffffffULL), std::memory_order_relaxed);
    s.t_ns.store(t_ns, std::memory_order_relaxed);
    count.store(n + 1, std::memory_order_release);
  }
  static std::uint64_t head_word(std::uint8_t op, FlightOutcome outcome, std::uint32_t incarnation,
                                 std::uint32_t size) noexcept {
    return std::uint64_t{op} | std::uint64_t{static_cast<std::uint8_t>(outcome)} << 8 |
           std::uint64_t{incarnation & 0xffffU} << 16 | std::uint64_t{size} << 32;
  }
  // The last `n` operations (at most kEntries), oldest first; entries that do not decode are dropped.
  [[nodiscard]] std::vector<FlightEntry> last(std::size_t n) const;
  // The same for a writer, with the sends its runs and `cursor` imply (at most n of each run).
  [[nodiscard]] std::vector<FlightEntry> last(std::size_t n, const SendCursorNow& cursor, const SizeOf& size_of) const;
};

// Another peer's recorder as it was at one moment: a reader asks for the writer's when it sees its
// first problem (by the end of the phase the writer has moved on by thousands of messages), and
// copies it once the writer has sent a few messages past the one the problem is about — its cursor
// moves after the channel took a message, so a fast reader can be there first.
struct FlightSnapshot {
  static constexpr std::size_t kEntries = FlightRecorder::kEntries;
  static constexpr std::uint64_t kPast = 4;  // writer sends past `around` before the copy
  enum State : std::uint32_t { kNone = 0, kRequested = 1, kTaken = 2 };
  std::atomic<std::uint32_t> state{kNone};
  std::atomic<std::uint32_t> writer{0};            // whose recorder
  std::atomic<std::uint64_t> around{kUnknownSeq};  // the sequence the problem is about (or was expected next)
  std::atomic<std::uint64_t> count{0};             // entries copied
  FlightSlot slots[kEntries];
  SendRun runs[2];                         // the writer's runs, copied with its entries
  std::atomic<std::uint64_t> next_seq{0};  // its cursor then
  std::atomic<std::uint64_t> in_flight{kUnknownSeq};

  // The first problem's request (later ones do nothing). Only the reader that owns it calls these.
  void request(std::uint32_t w, std::uint64_t seq) noexcept;
  [[nodiscard]] bool requested() const noexcept { return state.load(std::memory_order_relaxed) == kRequested; }
  // Copies `from` (the requested writer's recorder) and its `cursor` once the writer has sent (or
  // recorded) kPast past `around`, or, with `now` (the reader is ending: the writer may have
  // stopped), as it is.
  void take_if_due(const FlightRecorder& from, const SendCursorNow& cursor, bool now = false) noexcept;
  // The copy, with the sends it implies.
  [[nodiscard]] std::vector<FlightEntry> entries(const SizeOf& size_of) const;
};

}  // namespace shmh::stress
