// Sending: what a flow writer does around each channel send — which message goes next (a frame,
// encoded ahead in groups, or a message too small for one), what its board record shows while the
// send is under way, and what it stores once the send returned. One piece so the writer
// (flow_peers.cc) and stress_bench's SendingCost, which measures this path on its own, run the
// same code; the counterpart of Reception (reception.h). Every store here sits between two sends
// and costs the stream (README "Benchmarks"): byte counts are kept back and published every
// kCountEvery messages.
//
//   Sending sending(flow, w);
//   while (sending.more()) { const auto m = sending.next(); sending.begin(); send m.frame ...; sending.sent(); }
//   sending.publish_counts();
#pragma once

#include <cstdint>
#include <span>

#include "core/framing/frame.h"
#include "stress/flow/flow.h"

namespace shmh::stress {

class Sending {
 public:
  // Writer `w`'s sending from its cursor's next_seq on; starts its flight recorder's sends.
  Sending(Flow& flow, std::uint32_t w);

  // Whether the writer's quota has room for seq(). Stopping early is the caller's.
  [[nodiscard]] bool more() const noexcept { return seq_ < quota_; }
  [[nodiscard]] std::uint64_t seq() const noexcept { return seq_; }

  struct Message {
    std::span<const std::byte> bytes;  // valid until the next call to next()
    std::uint64_t stamp = 0;           // the send time for 1 message in kStampEvery (latency, the recorder), else 0
  };
  // The message for seq(). Not in lockstep, frames of at most kAheadMaxSize bytes are encoded
  // kAhead at a time, ahead of their sends (sending.cc says why); the stamped one last.
  Message next() noexcept;

  // Before the send of seq(): the record shows "inside send of seq()" until sent() moved next_seq past it.
  void begin() noexcept;
  // After every lane's send of seq() returned OK (`lanes` sends of `m`): next_seq, the op word, the
  // recorder for a stamped message, progress and byte count; then seq() moves on.
  void sent(const Message& m, std::size_t lanes) noexcept;
  // Publishes the byte count kept back (at the writer's end, and before a return on failure).
  void publish_counts() noexcept;

 private:
  static constexpr std::uint64_t kAhead = kStampEvery;
  static constexpr std::uint32_t kAheadMaxSize = 256;  // larger: one at a time (kAhead would not stay in L1)

  void encode_ahead() noexcept;

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
  // The frames encoded ahead, up to sequence ahead_end_ (exclusive), each in slot seq % kAhead.
  std::uint64_t ahead_end_ = 0;
  Message ahead_frames_[kAhead];
  std::byte small_[kFrameHeaderSize];
  std::uint64_t uncounted_ = 0;
  std::uint64_t uncounted_bytes_ = 0;
};

}  // namespace shmh::stress
