#include "stress/flow/lockstep.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "stress/flow/receive_check.h"

namespace shmh::stress {
namespace {

// The random spin before a send: up to this many relax iterations (a few microseconds).
constexpr std::uint64_t kMaxSpin = 512;
// While waiting for the reader, the writer yields its CPU once in this many looks.
constexpr std::uint32_t kYieldEvery = 256;

void relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::atomic_signal_fence(std::memory_order_seq_cst);
#endif
}

std::string ms(std::uint64_t ns) {
  char buf[32];
  (void)std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(ns) / 1e6);
  return buf;
}

}  // namespace

bool wait_for_reader(const Flow& flow, std::uint64_t seq, SplitMix64& rng) {
  const PeerRecord& reader = flow.board.reader(0);
  const ReceiveCursor& cursor = flow.receive_cursor(0);
  const std::uint64_t timeouts = cursor.timeouts.load(std::memory_order_relaxed);
  bool caught_up = false;
  // Spin, yielding only now and then: a writer that gives its CPU away at every look sends long
  // after the reader went to sleep on a loaded machine, and never lands inside the reader's wait.
  for (std::uint32_t looks = 1; !flow.board.stop_writing() && !flow.board.aborted(); ++looks) {
    caught_up = reader.progress.load(std::memory_order_relaxed) >= seq;
    if (caught_up && reader.op.load(std::memory_order_relaxed) == static_cast<std::uint32_t>(PeerOp::kRecv)) break;
    if (cursor.timeouts.load(std::memory_order_relaxed) >= timeouts + 2 || reader.finished.load() != 0) {
      caught_up = false;
      break;
    }
    if (looks % kYieldEvery == 0) {
      ::sched_yield();
    } else {
      relax();
    }
  }
  for (std::uint64_t spin = rng() % kMaxSpin; spin > 0; --spin) relax();
  return caught_up;
}

void mark_sent(SendCursor& cursor, std::uint64_t seq) noexcept {
  cursor.sent_at.store(monotonic_ns(), std::memory_order_relaxed);
  cursor.next_seq.store(seq + 1, std::memory_order_release);
}

RunQueueWait::RunQueueWait() noexcept : fd_(::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC)) {}

RunQueueWait::~RunQueueWait() {
  if (fd_ >= 0) (void)::close(fd_);
}

std::int64_t RunQueueWait::ns() const noexcept {
  if (fd_ < 0) return -1;
  char text[96];
  const ssize_t n = ::pread(fd_, text, sizeof text - 1, 0);
  if (n <= 0) return -1;
  text[n] = '\0';
  // "<ns on cpu> <ns waiting on a run queue> <timeslices>"
  char* end = nullptr;
  (void)std::strtoull(text, &end, 10);
  if (end == text || *end != ' ') return -1;
  char* after = nullptr;
  const unsigned long long waited = std::strtoull(end + 1, &after, 10);
  if (after == end + 1) return -1;
  return static_cast<std::int64_t>(waited);
}

void check_wakeup(const Flow& flow, PeerRecord& rec, ReceiveCursor& cursor, std::uint32_t r, Channel& channel,
                  std::span<std::byte> buffer, const RunQueueWait& queued, std::int64_t queued_before) {
  PeerRecord::add(cursor.timeouts, 1);
  const std::uint64_t timed_out_at = monotonic_ns();
  const std::int64_t queued_after = queued.ns();
  const SendCursor& writer = flow.send_cursor(0);
  const std::uint64_t sent = writer.next_seq.load(std::memory_order_acquire);
  const std::uint64_t sent_at = writer.sent_at.load(std::memory_order_relaxed);
  const auto half_timeout = static_cast<std::uint64_t>(flow.phase.op_timeout_ns / 2);
  if (sent <= rec.progress.load(std::memory_order_relaxed) || sent_at == 0 || timed_out_at < sent_at + half_timeout) {
    return;  // nothing outstanding, or sent too close to the deadline to count
  }
  // Kept off the CPU for half the message's age: a correct reader may simply not have run.
  if (queued_before < 0 || queued_after < 0 ||
      static_cast<std::uint64_t>(queued_after - queued_before) * 2 >= timed_out_at - sent_at) {
    return;
  }
  const std::int64_t n = channel.recv(buffer, 0);
  if (n < 0) return;  // not there: if it never comes, the audit counts it lost
  PeerRecord::add(rec.lost_wakeups, 1);
  rec.note_problem("reader " + std::to_string(r) + "'s recv timed out after " +
                   ms(static_cast<std::uint64_t>(flow.phase.op_timeout_ns)) + " while writer 0's seq " +
                   std::to_string(sent - 1) + ", sent " + ms(timed_out_at - sent_at) +
                   " before, was in the channel (the next try took it at once)");
  rec.recorder.record(static_cast<std::uint8_t>(PeerOp::kRecv), FlightOutcome::kTimeout, rec.incarnation.load(), 0, 0,
                      sent - 1, timed_out_at);
  const Received got =
      check_received(flow, rec, &cursor, r, flow.lane_of(r), buffer.first(static_cast<std::size_t>(n)));
  rec.recorder.record(static_cast<std::uint8_t>(PeerOp::kRecv), got.outcome, rec.incarnation.load(),
                      static_cast<std::uint32_t>(n), got.writer, got.sequence, got.t_ns);
  rec.snapshot.request(0, sent - 1);  // copied once writer 0 has recorded it (take_requested_snapshot)
  cursor.set(ReceiveStep::kIdle);
  if (got.outcome == FlightOutcome::kOk) PeerRecord::add(rec.ok, 1);
  rec.done_one(static_cast<std::uint64_t>(n));
}

}  // namespace shmh::stress
