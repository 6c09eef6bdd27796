// RingModel: what a `ring` channel (core/channel/ring) must answer when its operations are made one
// at a time — the oracle of the channel_ops fuzz target. A bounded FIFO of `slots` positions where
// every message comes out exactly once and in order, `send` fails only when the slot it needs is
// still held, and peers killed in the middle of an operation leave precisely what the ring's
// recovery promises: a writer killed after claiming a slot leaves a hole that a waiting reader
// skips (abandoned_sends + 1, no message invented); a reader killed after claiming a message loses
// that message and its slot comes back to a waiting writer (abandoned_recvs + 1).
//
//   RingModel m(8, 64);
//   m.send({.writer = 0, .seq = 0, .length = 10}, false);   // kOk
//   RingModel::Message out;
//   m.recv(64, false, &out);                                // kOk, out = that message
//
// `may_wait` says whether the call has a timeout long enough to sleep once and no more (the ring
// reclaims a dead peer's slot only after a sleep, one per sleep; a zero timeout never reclaims).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace shmh::model {

class RingModel {
 public:
  struct Message {
    int writer = 0;
    std::uint64_t seq = 0;
    std::uint32_t length = 0;
    bool operator==(const Message&) const = default;
  };
  enum class Answer { kOk, kTimeout, kTooBig, kClosed };

  RingModel(std::uint64_t slots, std::uint64_t max_message) : slots_(slots), max_message_(max_message) {}

  Answer send(const Message& m, bool may_wait);
  Answer recv(std::size_t capacity, bool may_wait, Message* out);
  // A writer (or reader) that makes its call with a zero timeout and is killed right after its
  // claim. Returns whether it claims a position (false: the ring was full / empty for it).
  bool send_killed_after_claim();
  bool recv_killed_after_claim();
  void close() { closed_ = true; }

  [[nodiscard]] std::uint64_t abandoned_sends() const { return abandoned_sends_; }
  [[nodiscard]] std::uint64_t abandoned_recvs() const { return abandoned_recvs_; }
  [[nodiscard]] std::uint64_t queued() const;                    // messages a reader could still receive
  [[nodiscard]] bool drained() const { return tail_ == head_; }  // no message and no hole left

 private:
  enum class State { kPublished, kDeadSend, kDeadRecv };
  struct Position {
    State state = State::kPublished;
    Message message;
  };
  // Whether position head_ can be claimed by a writer; reclaims a dead reader's slot if may_wait.
  bool slot_free(bool may_wait);

  std::uint64_t slots_;
  std::uint64_t max_message_;
  std::uint64_t head_ = 0;  // next position a writer claims
  std::uint64_t tail_ = 0;  // next position a reader claims
  // Positions not yet released: [tail_, head_) published or dead-send, and below tail_ the ones a
  // dead reader claimed and never released.
  std::map<std::uint64_t, Position> held_;
  bool closed_ = false;
  std::uint64_t abandoned_sends_ = 0;
  std::uint64_t abandoned_recvs_ = 0;
};

}  // namespace shmh::model
