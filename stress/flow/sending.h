// Sending: what a flow writer does around each channel send — which message goes next (a frame,
// encoded kAhead sends ahead, right after the send whose slot it takes, or a message too small for
// one), what its board record shows while the send is under way, and what it stores once the send
// returned. One piece so the writer (flow_peers.cc) and stress_bench's SendingCost, which measures
// this path on its own, run the same code; the counterpart of Reception (reception.h). Every store
// here sits between two sends and costs the stream (README "Benchmarks"): byte counts are kept
// back and published when the sequence reaches a multiple of kCountEvery.
//
//   Sending sending(flow, w);
//   while (sending.more()) { const auto m = sending.next(); sending.begin(); send(m.bytes) ...; sending.sent(m, 1); }
//   sending.publish_counts();
#pragma once

#include <cstdint>
#include <span>

#include "core/framing/frame.h"
#include "stress/flow/flow.h"
#include "stress/flow/lockstep.h"

namespace shmh::stress {

class Sending {
 public:
  // Writer `w`'s sending from its cursor's next_seq on; starts its flight recorder's sends.
  Sending(Flow& flow, std::uint32_t w);

  // Whether the writer's quota has room for seq(). Stopping early is the caller's.
  [[nodiscard]] bool more() const noexcept { return seq_ < quota_; }
  [[nodiscard]] std::uint64_t seq() const noexcept { return seq_; }

  struct Message {
    std::span<const std::byte> bytes;  // valid until sent() (or the next next())
    std::uint64_t stamp = 0;           // the send time for 1 message in kStampEvery (latency, the recorder), else 0
  };
  // The message for seq(), its bytes valid until sent(). Not in lockstep, frames of at most
  // kAheadMaxSize bytes are encoded kAhead sends ahead, each by the sent() of the message whose
  // slot it takes (sending.cc says why); a stamped one here, its stamp read just before its send.
  // Returned in registers: only each slot's size is kept (a stored Message was three more stores
  // a message, and every store between two sends costs the stream).
  Message next() noexcept {
    if (!ahead_) [[unlikely]] {
      return next_alone();
    }
    if (seq_ % kStampEvery == 0 || seq_ >= ahead_end_) [[unlikely]] {
      return next_stamped_or_first();
    }
    return ahead_message();
  }

  // Before the send of seq(): the record shows "inside send of seq()" until sent() moved next_seq past it.
  void begin() noexcept { rec_.begin(PeerOp::kSend, seq_); }
  // After every lane's send of seq() returned OK (`lanes` sends of `m`): next_seq, the op word, the
  // recorder for a stamped message, progress and byte count; the frame kAhead further on goes into
  // m's slot (m is gone); then seq() moves on. Inline with next() and begin(), like the loop they
  // were part of: each store or call here costs the stream.
  void sent(const Message& m, std::size_t lanes) noexcept {
    // next_seq before the op word: a kill between the two must not make the restart resend seq.
    if (lockstep_) [[unlikely]] {
      mark_sent(cursor_, seq_);
    } else {
      cursor_.next_seq.store(seq_ + 1, std::memory_order_relaxed);
    }
    rec_.now_in(PeerOp::kIdle);  // op_arg stays seq
    if (m.stamp != 0) [[unlikely]] {
      record_stamped(m);
    }
    PeerRecord::add(rec_.progress, 1);
    uncounted_bytes_ += m.bytes.size() * lanes;
    if (ahead_) [[likely]] {
      roll();
    }
    if (++seq_ % kCountEvery == 0) [[unlikely]] {
      publish_counts();  // at whole groups: no count of its own
    }
  }
  // Publishes the byte count kept back (at the writer's end, and before a return on failure).
  void publish_counts() noexcept;

 private:
  static constexpr std::uint64_t kAhead = 16;          // sends between a frame's encoding and its own
  static constexpr std::uint32_t kAheadMaxSize = 256;  // larger: one at a time (kAhead would not stay in L1)

  // The frames of [seq_, seq_ + kAhead) at the first next(), and seq_'s own if it is stamped.
  [[gnu::noinline]] Message next_stamped_or_first() noexcept;
  // After seq_'s send: the frame of ahead_end_ (seq_ + kAhead, unless the quota ends first) into
  // seq_'s slot. A stamped one is left to its next(): its stamp is read there.
  void roll() noexcept {
    const std::uint64_t s = ahead_end_;
    if (s >= quota_) [[unlikely]] {
      return;
    }
    ahead_end_ = s + 1;
    if (s % kStampEvery != 0) [[likely]] {
      encode_into_slot(s, 0);
    }
  }
  // seq_'s frame, encoded ahead without a stamp, as its slot holds it.
  [[nodiscard]] Message ahead_message() const noexcept {
    return {frames_.encoded(seq_ % kAhead, ahead_sizes_[seq_ % kAhead]), 0};
  }
  // The frame of sequence s, carrying `stamp`, into its slot s % kAhead.
  std::span<const std::byte> encode_into_slot(std::uint64_t s, std::uint64_t stamp) noexcept {
    const std::uint32_t size = flow_.sizes.at(size_seed_, s);
    ahead_sizes_[s % kAhead] = size;
    return frames_.encode(s, size, stamp, s % kAhead);
  }
  [[gnu::noinline]] Message next_alone() noexcept;  // one message, not encoded ahead
  [[gnu::noinline]] void record_stamped(const Message& m) noexcept;

  Flow& flow_;
  std::uint32_t writer_;
  PeerRecord& rec_;
  SendCursor& cursor_;
  bool lockstep_;
  bool ahead_;
  std::uint32_t incarnation_;
  std::uint64_t quota_;
  std::uint64_t size_seed_;
  std::uint64_t seq_;
  FrameWriter frames_;
  // The frames encoded ahead: [seq_, ahead_end_), each in slot seq % kAhead of frames_, its size
  // in ahead_sizes_ (a stamped one's slot still holds the frame kAhead before it until its
  // next()). 0 before the first next().
  std::uint64_t ahead_end_ = 0;
  std::uint32_t ahead_sizes_[kAhead] = {};
  std::byte small_[kFrameHeaderSize];
  std::uint64_t uncounted_bytes_ = 0;
};

}  // namespace shmh::stress
