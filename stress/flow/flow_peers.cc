#include "stress/flow/flow_peers.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "core/framing/frame.h"
#include "core/framing/small_message.h"
#include "core/random/splitmix.h"
#include "stress/flow/address_gap.h"
#include "stress/flow/lockstep.h"
#include "stress/flow/receive_check.h"
#include "stress/flow/reception.h"
#include "stress/peer_group.h"

namespace shmh::stress {
namespace {

// In a process of its own, the peer maps its channels at an address no other running peer uses
// (address_gap.h) and records where. Threads share one address space, where each open maps anew.
struct OwnAddress {
  AddressGap gap;
  std::optional<MappingsBefore> before;
};
OwnAddress own_address(const Flow& flow, PeerId id, std::uint32_t incarnation) {
  OwnAddress own;
  if (flow.options.mode != PeerMode::kProcesses) return own;
  own.gap = AddressGap::reserve(flow.seed, id, incarnation);
  own.before.emplace();
  return own;
}
void record_address(const OwnAddress& own, PeerRecord& rec) {
  if (own.before) rec.mapped_at.store(own.before->lowest_new(), std::memory_order_relaxed);
}

void channel_problem(PeerRecord& rec, const char* what, const Channel& ch, const std::string& who) {
  PeerRecord::add(rec.errors, 1);
  rec.note_problem(who + ": " + what + ": " + ch.last_error().message);
}

// A writer of small messages encodes its frames this many at a time, ahead of their sends. Encoded
// per message, `perf` put 41 % of the writer's time in the channel's memcpy of the frame into its
// slot. Our reading (not verified by a counter): the frame's eight 8-byte stores cannot be
// forwarded to the copy's one wide load, so the load waits until they reach the cache — behind the
// previous send's stores into the slot, which wait for the reader's core to give that line back —
// and every send waited for a cross-core transfer; encoded ahead, one send in kAhead does.
// Measured 1 → 1, 64 B, pinned, alternating runs of both builds: spsc example +12 % (10.1 – 10.7
// vs 8.9 – 9.5 M msg/s) when the writer set the pace, spsc +7 % and ring +8 % (medians) when the
// reader did, ring −1.4 % in the first case (README "Benchmarks"). Groups end at multiples of
// kStampEvery, so the one stamped message of a group is its first send; it is encoded last, its
// stamp read just before, so the latency it measures does not include the others' encoding.
constexpr std::uint64_t kAhead = kStampEvery;
constexpr std::uint32_t kAheadMaxSize = 256;  // larger messages: one at a time (kAhead of them would not stay in L1)

// The frames a writer has encoded ahead, up to sequence `end` (exclusive), each in slot seq % kAhead.
struct FramesAhead {
  std::uint64_t end = 0;
  std::span<const std::byte> frame[kAhead];
  std::uint64_t stamp[kAhead] = {};
};

// The clock, read right after recv, for a message whose header claims a stamped sequence (a claim
// only: its check decides): checked one recv later, its latency must not include the wait for the
// next message. 0 for the others.
std::uint64_t receive_time(std::span<const std::byte> message) {
  if (frame_stamp_bytes(message.size()) != 8) return 0;
  return peek_sequence(message) % kStampEvery == 0 ? monotonic_ns() : 0;
}

}  // namespace

// Between two sends the writer stores only what a kill or the watchdog needs: its op word before
// the call (kSend, seq), next_seq, the op word after and its message count (the watchdog's "no
// progress", whose timing says which kill a channel did not survive). Its successful sends are
// implied in its flight recorder (flight_recorder.h), its byte count published every kCountEvery
// sends: each store on this path costs the stream (README "Benchmarks").
ChildReport run_flow_writer(Flow& flow, std::uint32_t w) {
  const PeerId id{Role::kWriter, w};
  PeerRecord& rec = flow.board.writer(w);
  SendCursor& cursor = flow.send_cursor(w);
  const Phase& phase = flow.phase;
  rec.begin(PeerOp::kOpen);
  const OwnAddress own = own_address(flow, id, rec.incarnation.load());
  std::vector<Channel> out;
  for (const auto& address : flow.addresses) {
    auto ch = Channel::open(*flow.vtable, address);
    if (!ch) return ChildReport{1, "open " + address + ": " + ch.error().message()};
    out.push_back(std::move(*ch));
  }
  record_address(own, rec);
  // Not in lockstep (the writer waits for the reader before each send: a stamp read ahead would
  // count that wait as latency) nor for small messages that frames cannot carry.
  const bool ahead = !phase.lockstep && phase.msg_max <= kAheadMaxSize && phase.msg_min >= kFrameHeaderSize;
  FrameWriter frames(flow.seed, w, phase.msg_max, ahead ? kAhead : 1);
  FramesAhead encoded;
  std::byte small[kFrameHeaderSize];
  const std::uint64_t quota = std::min(writer_quota(phase.messages, flow.board.writers(), w), flow.ledger.capacity());
  const std::uint32_t incarnation = rec.incarnation.load();
  SplitMix64 rng(derive_seed(flow.seed, 0x6c6f636b00000000ULL | (std::uint64_t{incarnation} << 8) | w));
  constexpr auto kSend = static_cast<std::uint8_t>(PeerOp::kSend);
  std::uint64_t uncounted = 0;
  std::uint64_t uncounted_bytes = 0;
  auto publish_counts = [&] {
    PeerRecord::add(rec.bytes, uncounted_bytes);
    uncounted = uncounted_bytes = 0;
  };
  std::uint64_t seq = cursor.next_seq.load();
  rec.recorder.start_sends(w, incarnation, seq);
  const std::uint64_t size_seed = flow.size_seed(w);
  auto encode_ahead = [&] {
    encoded.end = std::min(quota, (seq / kAhead + 1) * kAhead);
    for (std::uint64_t s = encoded.end; s-- > seq;) {
      const std::uint64_t stamp = s % kStampEvery == 0 ? monotonic_ns() : 0;
      encoded.frame[s % kAhead] = frames.encode(s, flow.sizes.at(size_seed, s), stamp, s % kAhead);
      encoded.stamp[s % kAhead] = stamp;
    }
  };
  while (seq < quota && !flow.board.stop_writing()) {
    const bool reader_caught_up = phase.lockstep && wait_for_reader(flow, seq, rng);
    std::span<const std::byte> frame;
    std::uint64_t stamp = 0;  // the send time, for 1 message in kStampEvery: latency and the recorder
    if (ahead) {              // its size was picked when it was encoded
      if (seq >= encoded.end) encode_ahead();
      frame = encoded.frame[seq % kAhead];
      stamp = encoded.stamp[seq % kAhead];
    } else if (const std::uint32_t n = flow.sizes.at(size_seed, seq); n >= kFrameHeaderSize) {
      if (seq % kStampEvery == 0) stamp = monotonic_ns();
      frame = frames.encode(seq, n, stamp);
    } else {
      encode_small(std::span(small).first(n), flow.seed, w, seq);
      frame = std::span(small).first(n);
    }
    const auto size = static_cast<std::uint32_t>(frame.size());
    rec.begin(PeerOp::kSend, seq);  // from here until next_seq moved past seq: "inside send of seq"
    for (auto& ch : out) {
      for (;;) {
        const int rc = ch.send(frame, phase.op_timeout_ns);
        if (rc == SHMH_OK) break;
        if (flow.board.aborted()) {
          publish_counts();
          return {};
        }
        if (rc != SHMH_ETIMEOUT) {
          rec.recorder.record(kSend, rc == SHMH_ECLOSED ? FlightOutcome::kClosed : FlightOutcome::kError, incarnation,
                              size, w, seq, stamp);
          channel_problem(rec, "send", ch, describe(id));
          publish_counts();
          rec.finish();
          return {};
        }
        if (reader_caught_up && phase.op_timeout_ns > 0) {
          rec.recorder.record(kSend, FlightOutcome::kTimeout, incarnation, size, w, seq, 0);
          // The reader had every earlier message: the channel was empty, and the send still waited.
          PeerRecord::add(rec.lost_wakeups, 1);
          rec.note_problem(describe(id) + "'s send of seq " + std::to_string(seq) + " timed out on an empty channel");
        }
        if (phase.op_timeout_ns == 0) ::sched_yield();
      }
    }
    // next_seq before the op word: a kill between the two must not make the restart resend `seq`.
    if (phase.lockstep) {
      mark_sent(cursor, seq);
    } else {
      cursor.next_seq.store(seq + 1, std::memory_order_relaxed);
    }
    rec.now_in(PeerOp::kIdle);  // op_arg stays seq
    if (stamp != 0) rec.recorder.record(kSend, FlightOutcome::kOk, incarnation, size, w, seq, stamp);
    PeerRecord::add(rec.progress, 1);
    uncounted_bytes += std::uint64_t{size} * out.size();
    if (++uncounted == kCountEvery) publish_counts();
    ++seq;
    if (phase.burst != 0 && seq % phase.burst == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  publish_counts();
  rec.finish();
  return {};
}

ChildReport run_flow_reader(Flow& flow, std::uint32_t r) {
  const PeerId id{Role::kReader, r};
  PeerRecord& rec = flow.board.reader(r);
  ReceiveCursor& cursor = flow.receive_cursor(r);
  const Phase& phase = flow.phase;
  const std::uint32_t lane = flow.lane_of(r);
  rec.begin(PeerOp::kOpen);
  const OwnAddress own = own_address(flow, id, rec.incarnation.load());
  auto ch = Channel::open(*flow.vtable, flow.addresses[lane]);
  if (!ch) return ChildReport{1, "open " + flow.addresses[lane] + ": " + ch.error().message()};
  record_address(own, rec);
  const std::uint32_t incarnation = rec.incarnation.load();
  std::optional<RunQueueWait> queued;  // the liveness oracle's view of this thread's CPU waits
  if (phase.lockstep) queued.emplace();
  std::uint64_t idle_since = 0;
  std::uint64_t count = 0;
  Reception reception(flow, r);
  // With stages (receive_stage.h) each message is received into a slot in shared memory and
  // checked after the next recv returned, while the next one's cache lines travel; without, into a
  // private buffer and checked at once.
  const bool staged = !flow.stages.empty();
  std::vector<std::byte> buffer(staged ? 0 : phase.msg_max);
  auto buffer_of = [&](std::uint32_t slot) { return staged ? flow.stages.slot(r, slot) : std::span(buffer); };
  std::uint32_t slot = 0;  // where the next recv goes
  struct Held {
    std::size_t size;
    ReceivedAt at;
  };
  std::optional<Held> held;  // staged: the message received before, not yet checked
  auto take_held = [&] {
    if (!held) return;
    reception.take(buffer_of(held->at.slot).first(held->size), held->at);
    held.reset();
  };
  rec.begin(PeerOp::kRecv);
  while (!flow.board.aborted()) {
    cursor.set(ReceiveStep::kInRecv, slot);
    rec.now_in(PeerOp::kRecv);
    const std::int64_t queued_before = queued ? queued->ns() : -1;
    const std::span<std::byte> into = buffer_of(slot);
    const std::int64_t n = ch->recv(into, phase.op_timeout_ns);
    if (n >= 0) {
      idle_since = 0;
      const auto message = into.first(static_cast<std::size_t>(n));
      const ReceivedAt at{.slot = slot, .time_ns = receive_time(message)};
      if (staged) {
        cursor.staged[slot].store(static_cast<std::uint32_t>(n) + 1, std::memory_order_relaxed);
        take_held();
        held = Held{.size = message.size(), .at = at};
        slot ^= 1U;
      } else {
        reception.take(message, at);
      }
      if (phase.reader_pause_us != 0 && ++count % 64 == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(phase.reader_pause_us));
      }
      continue;
    }
    take_held();  // nothing waits in the stage while the channel is empty or failing
    cursor.set(ReceiveStep::kIdle);
    if (n == SHMH_ETIMEOUT && phase.lockstep && phase.op_timeout_ns > 0) {
      check_wakeup(flow, rec, cursor, r, *ch, buffer, *queued, queued_before);
    }
    if (n == SHMH_ETIMEOUT) {
      if (flow.board.writers_done()) {
        const std::uint64_t now = monotonic_ns();
        if (idle_since == 0) idle_since = now;
        if (now - idle_since > kDrainIdleNs) break;
      }
      if (phase.op_timeout_ns == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
      continue;
    }
    rec.recorder.record(static_cast<std::uint8_t>(PeerOp::kRecv),
                        n == SHMH_ECORRUPT  ? FlightOutcome::kCorrupt
                        : n == SHMH_ECLOSED ? FlightOutcome::kClosed
                                            : FlightOutcome::kError,
                        incarnation, 0, kUnknownWriter, 0, 0);
    channel_problem(rec, "recv", *ch, describe(id));
    if (n != SHMH_ECORRUPT) break;  // the channel released the bad slot: go on; otherwise stop
  }
  take_held();
  reception.publish_counts();
  if (rec.snapshot.requested()) take_requested_snapshot(flow, rec, true);
  rec.finish();
  return {};
}

}  // namespace shmh::stress
