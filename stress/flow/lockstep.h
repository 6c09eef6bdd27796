// Lockstep: the message flow's liveness oracle (PhaseShape::lockstep; one writer, one reader).
// The writer sends its next message only once the reader has every earlier one and is waiting in
// recv again, so every wait of the reader must end with the message. A wait that ends with a
// timeout instead, while the message — sent, i.e. send returned, at least half a timeout before
// — is in the channel (the reader's very next try takes it), is a lost wake-up: a reader that
// registers as a waiter after it saw "empty" sleeps its whole timeout, and in production, where
// nobody bounds the wait, for ever. So is a send that times out on an empty channel.
//
// Why it cannot flag a correct channel: a waiter woken before its deadline does not time out, and
// the writer's clock read is after its send returned (wake included), half a timeout before the
// deadline. The one way a correct reader still times out then is being kept off the CPU from its
// last look at the channel (before the message came) until its deadline — runnable, waiting on a
// run queue — which a CI run on a loaded machine did to a correct polling ring. So the reader
// reads its own run-queue wait (/proc/thread-self/schedstat) around each recv, and a wait is judged
// only if the reader spent less than half the message's age waiting for a CPU. (A hypervisor
// stealing the vCPU is invisible to the guest: the one gap left, on overloaded hosts.) Clocks and
// schedstat are read per message only in this phase.
//
//   writer:  caught_up = wait_for_reader(flow, seq, rng); send...; mark_sent(cursor, seq);
//   reader:  RunQueueWait queued;  before = queued.ns(); recv...;
//            on SHMH_ETIMEOUT: check_wakeup(flow, rec, cursor, r, channel, buffer, queued, before);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/channel/channel.h"
#include "core/random/splitmix.h"
#include "stress/flow/flow.h"

namespace shmh::stress {

// Waits until the reader has every message below `seq` and is in recv again (true), or has timed
// out twice since the last one was sent — it may be lost, which the audit reports (false); then
// a random short spin so the send lands anywhere in the reader's wait. Also false when the phase
// stops.
bool wait_for_reader(const Flow& flow, std::uint64_t seq, SplitMix64& rng);

// Records the writer's message `seq` as sent now (before next_seq moves, so a reader that sees
// the new next_seq sees this time or a later one).
void mark_sent(SendCursor& cursor, std::uint64_t seq) noexcept;

// The calling thread's time spent runnable but waiting for a CPU, from /proc/thread-self/schedstat
// (kept open: one pread per reading).
class RunQueueWait {
 public:
  RunQueueWait() noexcept;
  RunQueueWait(const RunQueueWait&) = delete;
  RunQueueWait& operator=(const RunQueueWait&) = delete;
  ~RunQueueWait();
  // Nanoseconds so far; -1 when it cannot be read (then no wait is judged).
  [[nodiscard]] std::int64_t ns() const noexcept;

 private:
  int fd_ = -1;
};

// The reader's recv on `channel` timed out: a lost wake-up if the message is there after all (it is
// then checked and counted like any arrival) — unless the reader waited for a CPU during the call
// (`queued_before`: queued.ns() before it) for half the message's age or more: inconclusive.
void check_wakeup(const Flow& flow, PeerRecord& rec, ReceiveCursor& cursor, std::uint32_t r, Channel& channel,
                  std::span<std::byte> buffer, const RunQueueWait& queued, std::int64_t queued_before);

}  // namespace shmh::stress
