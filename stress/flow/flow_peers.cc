#include "stress/flow/flow_peers.h"

#include <sched.h>

#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include "core/framing/frame.h"
#include "core/random/splitmix.h"
#include "stress/flow/address_gap.h"
#include "stress/flow/lockstep.h"
#include "stress/flow/receive_check.h"
#include "stress/flow/reception.h"
#include "stress/flow/sending.h"
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

// The clock, read right after recv, for a message whose header claims a stamped sequence (a claim
// only: its check decides): checked one recv later, its latency must not include the wait for the
// next message. 0 for the others.
std::uint64_t receive_time(std::span<const std::byte> message) {
  if (frame_stamp_bytes(message.size()) != 8) return 0;
  return peek_sequence(message) % kStampEvery == 0 ? monotonic_ns() : 0;
}

// A send that did not return OK at its first try, retried for as long as it times out: whether
// the writer goes on (kSent), ends quietly (the phase was aborted) or ends on a channel error, then
// recorded. Kept out of the writer's loop: inlined there, the compiler prepared this path's
// recorder words before every send — four stores a message on the hot path.
enum class SendEnd { kSent, kAborted, kFailed };
[[gnu::cold, gnu::noinline]] SendEnd retry_send(Flow& flow, std::uint32_t w, Channel& ch, const Sending::Message& m,
                                                std::uint64_t seq, int rc, bool reader_caught_up) {
  constexpr auto kSend = static_cast<std::uint8_t>(PeerOp::kSend);
  const PeerId id{Role::kWriter, w};
  PeerRecord& rec = flow.board.writer(w);
  const std::uint32_t incarnation = rec.incarnation.load();
  const auto size = static_cast<std::uint32_t>(m.bytes.size());
  const std::int64_t timeout_ns = flow.phase.op_timeout_ns;
  for (;; rc = ch.send(m.bytes, timeout_ns)) {
    if (rc == SHMH_OK) return SendEnd::kSent;
    if (flow.board.aborted()) return SendEnd::kAborted;
    if (rc != SHMH_ETIMEOUT) {
      rec.recorder.record(kSend, rc == SHMH_ECLOSED ? FlightOutcome::kClosed : FlightOutcome::kError, incarnation, size,
                          w, seq, m.stamp);
      channel_problem(rec, "send", ch, describe(id));
      return SendEnd::kFailed;
    }
    if (reader_caught_up && timeout_ns > 0) {
      rec.recorder.record(kSend, FlightOutcome::kTimeout, incarnation, size, w, seq, 0);
      // The reader had every earlier message: the channel was empty, and the send still waited.
      PeerRecord::add(rec.lost_wakeups, 1);
      rec.note_problem(describe(id) + "'s send of seq " + std::to_string(seq) + " timed out on an empty channel");
    }
    if (timeout_ns == 0) ::sched_yield();
  }
}

}  // namespace

// Between two sends the writer stores only what a kill or the watchdog needs (sending.h): its op
// word before the call (kSend, seq), next_seq, the op word after and its message count (the
// watchdog's "no progress", whose timing says which kill a channel did not survive). Its successful
// sends are implied in its flight recorder (flight_recorder.h), its byte count published at every
// kCountEvery-th sequence: each store on this path costs the stream (README "Benchmarks").
ChildReport run_flow_writer(Flow& flow, std::uint32_t w) {
  const PeerId id{Role::kWriter, w};
  PeerRecord& rec = flow.board.writer(w);
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
  SplitMix64 rng(derive_seed(flow.seed, 0x6c6f636b00000000ULL | (std::uint64_t{rec.incarnation.load()} << 8) | w));
  Sending sending(flow, w);
  while (sending.more() && !flow.board.stop_writing()) {
    const std::uint64_t seq = sending.seq();
    const bool reader_caught_up = phase.lockstep && wait_for_reader(flow, seq, rng);
    const Sending::Message m = sending.next();
    sending.begin();
    for (auto& ch : out) {
      const int rc = ch.send(m.bytes, phase.op_timeout_ns);
      if (rc == SHMH_OK) [[likely]] {
        continue;
      }
      const SendEnd end = retry_send(flow, w, ch, m, seq, rc, reader_caught_up);
      if (end == SendEnd::kSent) continue;
      sending.publish_counts();
      if (end == SendEnd::kFailed) rec.finish();
      return {};
    }
    sending.sent(m, out.size());
    if (phase.burst != 0 && (seq + 1) % phase.burst == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  sending.publish_counts();
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
  std::span<std::byte> stage[ReceiveStages::kSlots];  // looked up once: not a call per message
  if (staged) {
    for (std::uint32_t i = 0; i < ReceiveStages::kSlots; ++i) stage[i] = flow.stages.slot(r, i);
  }
  auto buffer_of = [&](std::uint32_t slot) { return staged ? stage[slot] : std::span(buffer); };
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
