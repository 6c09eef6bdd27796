#include "stress/flow/reception.h"

#include "core/framing/frame.h"

namespace shmh::stress {
namespace {
constexpr auto kRecv = static_cast<std::uint8_t>(PeerOp::kRecv);
}  // namespace

Reception::Reception(const Flow& flow, std::uint32_t reader)
    : flow_(flow),
      reader_(reader),
      lane_(flow.lane_of(reader)),
      rec_(flow.board.reader(reader)),
      cursor_(flow.receive_cursor(reader)),
      incarnation_(rec_.incarnation.load()) {}

// The common case is checked here, without check_received's call: a frame of an existing writer,
// intact, arrived in order and for the first time. Nothing shared changes until the message is
// known to pass — except the ledger bit, whose mark is the last check (a duplicate's bit was
// already set: marking it again changes nothing) — so anything else goes to take_problem, where
// check_received checks the message again from the start and says what is wrong.
void Reception::take(std::span<const std::byte> message, ReceivedAt at) {
  rec_.now_in(PeerOp::kVerify);
  if (message.size() < kFrameHeaderSize) return take_problem(message, at);
  const CheckedFrame f = flow_.frames.check(message);
  if (f.status != FrameStatus::kOk || f.writer >= flow_.board.writers()) return take_problem(message, at);
  std::atomic<std::uint64_t>& last = flow_.board.last_seen(reader_, f.writer);
  const std::uint64_t before = last.load(std::memory_order_relaxed);
  if (before != kNoSequence && f.sequence < before) return take_problem(message, at);
  cursor_.pending_writer.store(f.writer, std::memory_order_relaxed);
  cursor_.pending_sequence.store(f.sequence, std::memory_order_relaxed);
  cursor_.set(ReceiveStep::kPending, at.slot);
  if (flow_.ledger.mark(lane_, f.writer, f.sequence, flow_.exclusive_lanes) != Mark::kFirst) {
    return take_problem(message, at);
  }
  const std::uint64_t t_ns = f.sequence % kStampEvery == 0 ? latency_sample(flow_, rec_, message, at.time_ns) : 0;
  last.store(f.sequence, std::memory_order_relaxed);
  const auto size = static_cast<std::uint32_t>(message.size());
  rec_.recorder.record(kRecv, FlightOutcome::kOk, incarnation_, size, f.writer, f.sequence, t_ns);
  cursor_.staged[at.slot].store(0, std::memory_order_relaxed);  // after kPending: never neither
  if (rec_.snapshot.requested()) take_requested_snapshot(flow_, rec_, false);
  // The cursor stays at kPending until the next recv sets kInRecv: a kill between the two finds
  // the message in the ledger and the recorder and adds nothing (one store less per message).
  // `progress` moves with every message: the watchdog's "no progress" and the lockstep writer read it.
  PeerRecord::add(rec_.progress, 1);
  uncounted_bytes_ += size;
  if (++uncounted_ == kCountEvery) publish_counts();
}

void Reception::take_problem(std::span<const std::byte> message, ReceivedAt at) {
  const Received got = check_received(flow_, rec_, &cursor_, reader_, lane_, message, at);
  const auto size = static_cast<std::uint32_t>(message.size());
  rec_.recorder.record(kRecv, got.outcome, incarnation_, size, got.writer, got.sequence, got.t_ns);
  // Unstaged before the cursor leaves kPending: a kill in between would have the runner check the
  // message again (and call an intact one a duplicate).
  cursor_.staged[at.slot].store(0, std::memory_order_relaxed);
  if (rec_.snapshot.requested()) take_requested_snapshot(flow_, rec_, false);
  if (got.outcome != FlightOutcome::kOk) {
    cursor_.set(ReceiveStep::kIdle);
    rec_.done_one(size);  // counted at once (check_received counted its kind)
    return;
  }
  // Intact after all: a compact or tiny message (not a frame), or a late one on a channel that does
  // not promise per-writer order. Counted like the others.
  PeerRecord::add(rec_.progress, 1);
  uncounted_bytes_ += size;
  if (++uncounted_ == kCountEvery) publish_counts();
}

void Reception::publish_counts() noexcept {
  PeerRecord::add(rec_.ok, uncounted_);
  PeerRecord::add(rec_.bytes, uncounted_bytes_);
  uncounted_ = uncounted_bytes_ = 0;
}

}  // namespace shmh::stress
