#include "stress/flow/sending.h"

#include <algorithm>

#include "core/framing/small_message.h"

namespace shmh::stress {
namespace {
constexpr auto kSend = static_cast<std::uint8_t>(PeerOp::kSend);
}  // namespace

// Frames are encoded ahead of their sends, not in lockstep (the writer waits for the reader before
// each send: a stamp read ahead would count that wait as latency) nor for small messages that
// frames cannot carry. Encoded right before its send, `perf` put 41 % of the writer's time in the
// channel's memcpy of the frame into its slot. Our reading (not verified by a counter): the frame's
// stores cannot be forwarded to the copy's one wide load, so the load waits until they reach the
// cache — behind the previous send's stores into the slot, which wait for the reader's core to give
// that line back — and every send waited for a cross-core transfer. A frame written kAhead sends
// before its own is in the cache by then.
//
// Each frame is encoded by the sent() of the message kAhead before it, not kAhead at a time: right
// after a send, its stores into the channel's slot are still draining (the next send's `lock
// cmpxchg` waits for them), and one encode (~50 instructions) runs in that shadow, where a burst of
// kAhead encodes (~800) ran after it. Measured 1 → 1, 64 B, pinned, alternating CLI runs, 100 ms
// intervals of the fast regime: ring 16.9 → 18.3 and 18.7 → 19.2 M msg/s (README "Benchmarks").
Sending::Sending(Flow& flow, std::uint32_t w)
    : flow_(flow),
      writer_(w),
      rec_(flow.board.writer(w)),
      cursor_(flow.send_cursor(w)),
      lockstep_(flow.phase.lockstep),
      ahead_(!flow.phase.lockstep && flow.phase.msg_max <= kAheadMaxSize && flow.phase.msg_min >= kFrameHeaderSize),
      incarnation_(rec_.incarnation.load()),
      quota_(std::min(writer_quota(flow.phase.messages, flow.board.writers(), w), flow.ledger.capacity())),
      size_seed_(flow.size_seed(w)),
      seq_(cursor_.next_seq.load()),
      frames_(flow.seed, w, flow.phase.msg_max, ahead_ ? kAhead : 1) {
  rec_.recorder.start_sends(w, incarnation_, seq_);
}

// Before the first send: the frames of [seq_, seq_ + kAhead), the quota permitting; from then on
// each sent() encodes one (roll()). A stamped frame is encoded here, just before its send, its
// stamp read last: the latency it measures includes no encoding.
Sending::Message Sending::next_stamped_or_first() noexcept {
  if (seq_ >= ahead_end_) {
    ahead_end_ = std::min(quota_, seq_ + kAhead);
    for (std::uint64_t s = seq_; s < ahead_end_; ++s) {
      if (s % kStampEvery != 0) encode_into_slot(s, 0);
    }
  }
  if (seq_ % kStampEvery == 0) {
    const std::uint64_t stamp = monotonic_ns();
    return {encode_into_slot(seq_, stamp), stamp};
  }
  return ahead_message();
}

Sending::Message Sending::next_alone() noexcept {
  const std::uint32_t n = flow_.sizes.at(size_seed_, seq_);
  if (n >= kFrameHeaderSize) {
    const std::uint64_t stamp = seq_ % kStampEvery == 0 ? monotonic_ns() : 0;
    return {frames_.encode(seq_, n, stamp), stamp};
  }
  encode_small(std::span(small_).first(n), flow_.seed, writer_, seq_);
  return {std::span(small_).first(n), 0};
}

void Sending::record_stamped(const Message& m) noexcept {
  rec_.recorder.record(kSend, FlightOutcome::kOk, incarnation_, static_cast<std::uint32_t>(m.bytes.size()), writer_,
                       seq_, m.stamp);
}

void Sending::publish_counts() noexcept {
  PeerRecord::add(rec_.bytes, uncounted_bytes_);
  uncounted_bytes_ = 0;
}

}  // namespace shmh::stress
