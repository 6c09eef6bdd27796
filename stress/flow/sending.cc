#include "stress/flow/sending.h"

#include <algorithm>

#include "core/framing/small_message.h"

namespace shmh::stress {
namespace {
constexpr auto kSend = static_cast<std::uint8_t>(PeerOp::kSend);
}  // namespace

// Frames are encoded kAhead at a time, ahead of their sends, not in lockstep (the writer waits for
// the reader before each send: a stamp read ahead would count that wait as latency) nor for small
// messages that frames cannot carry. Encoded per message, `perf` put 41 % of the writer's time in
// the channel's memcpy of the frame into its slot. Our reading (not verified by a counter): the
// frame's stores cannot be forwarded to the copy's one wide load, so the load waits until they
// reach the cache — behind the previous send's stores into the slot, which wait for the reader's
// core to give that line back — and every send waited for a cross-core transfer; encoded ahead,
// one send in kAhead does. Measured 1 → 1, 64 B, pinned, alternating runs of both builds: spsc
// example +12 % (10.1 – 10.7 vs 8.9 – 9.5 M msg/s) when the writer set the pace, spsc +7 % and
// ring +8 % (medians) when the reader did, ring −1.4 % in the first case (README "Benchmarks").
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

// Groups end at multiples of kAhead, and stamps fall on multiples of kStampEvery (a multiple of
// kAhead), so a group's stamped message, if it has one, is its first send; it is encoded last, its
// stamp read just before, so the latency it measures does not include the others' encoding.
void Sending::encode_ahead() noexcept {
  static_assert(kStampEvery % kAhead == 0, "a stamped message starts its group");
  ahead_end_ = std::min(quota_, (seq_ / kAhead + 1) * kAhead);
  for (std::uint64_t s = ahead_end_; s-- > seq_;) {
    const std::uint64_t stamp = s % kStampEvery == 0 ? monotonic_ns() : 0;
    ahead_frames_[s % kAhead] = {frames_.encode(s, flow_.sizes.at(size_seed_, s), stamp, s % kAhead), stamp};
  }
}

const Sending::Message& Sending::next_alone() noexcept {
  const std::uint32_t n = flow_.sizes.at(size_seed_, seq_);
  if (n >= kFrameHeaderSize) {
    const std::uint64_t stamp = seq_ % kStampEvery == 0 ? monotonic_ns() : 0;
    alone_ = {frames_.encode(seq_, n, stamp), stamp};
  } else {
    encode_small(std::span(small_).first(n), flow_.seed, writer_, seq_);
    alone_ = {std::span(small_).first(n), 0};
  }
  return alone_;
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
