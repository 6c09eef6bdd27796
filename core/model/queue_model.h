// QueueModel: what any channel (a plugin, through the ABI of shmh_channel.h) must answer when its
// operations are made one at a time — the oracle of the plugin_ops fuzz target. It knows only what
// the ABI promises and what the channel declares, never how the channel works:
//  - a send longer than max_message is SHMH_ETOOBIG and queues nothing; any other send is SHMH_OK
//    while fewer than `capacity` messages are queued (the channel holds at least that many), and
//    may time out only when `capacity` or more are;
//  - a receive on an empty channel times out; on a non-empty one it delivers a message that was
//    sent and not yet delivered (exactly once), whole, and — with FIFO_PER_WRITER — the oldest of
//    its writer; SHMH_ETOOBIG only when a message that could come next is longer than the buffer,
//    and that message stays queued;
//  - nothing else (ECORRUPT, ESYSTEM, EINVAL, ECLOSED) is ever a right answer to a well-formed call.
//
//   QueueModel m({.capacity = 4, .max_message = 64, .fifo_per_writer = true});
//   m.sent(0, 10, SHMH_OK);                           // "" (agrees); writer 0's seq 0, 10 bytes
//   m.received(64, 10, QueueModel::Delivered{0, 0});  // ""; a second time: "... delivered twice"
//
// Each call checks the channel's answer and moves the model; it returns "" when they agree, else
// what the disagreement is, in a sentence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shmh::model {

class QueueModel {
 public:
  struct Config {
    std::uint32_t capacity = 1;
    std::uint32_t max_message = 1;
    bool fifo_per_writer = false;
    std::uint32_t writers = 1;
  };
  // Whose message a receive delivered, as the caller decoded it from the bytes; nullopt when the
  // bytes are no message any writer sent (or not whole).
  struct Delivered {
    std::uint32_t writer = 0;
    std::uint64_t seq = 0;
  };

  explicit QueueModel(const Config& config);

  // A send by `writer` of `length` bytes answered `status`. On agreement with SHMH_OK the message
  // is the writer's next sequence (next_seq() before the call).
  std::string sent(std::uint32_t writer, std::uint32_t length, int status);
  // A receive into a buffer of `buffer` bytes returned `rc` (a length or a status); `who` is the
  // decoded identity when rc >= 0.
  std::string received(std::size_t buffer, std::int64_t rc, const std::optional<Delivered>& who);

  [[nodiscard]] std::uint64_t next_seq(std::uint32_t writer) const { return writers_.at(writer).size(); }
  [[nodiscard]] std::uint32_t length_of(std::uint32_t writer, std::uint64_t seq) const {
    return writers_.at(writer).at(seq).length;
  }
  [[nodiscard]] std::uint64_t queued() const { return queued_; }
  // The length of the message a receive could deliver next with the largest / smallest length
  // (0 when empty): a buffer of exactly the smallest fits one of them, one byte less fits none.
  [[nodiscard]] std::uint32_t smallest_next() const;
  [[nodiscard]] std::uint32_t largest_next() const;
  // Whose a 0-byte message is: they carry no identity, so only writer 0 sends them (the caller's
  // rule) and they are told apart by order only — its oldest queued 0-byte message, else one it
  // already delivered (a second delivery), else nullopt (none was ever queued).
  [[nodiscard]] std::optional<Delivered> identify_empty() const;
  [[nodiscard]] static const char* status_name(std::int64_t rc);

 private:
  struct Sent {
    std::uint32_t length = 0;
    bool delivered = false;
  };
  // Messages a receive may deliver now: per writer its oldest queued (FIFO) or every queued one.
  [[nodiscard]] std::vector<Delivered> candidates() const;
  [[nodiscard]] std::string describe(const Delivered& d) const;

  Config config_;
  std::vector<std::vector<Sent>> writers_;  // every message each writer's sends queued, by sequence
  std::vector<std::uint64_t> oldest_;       // per writer: no queued message below this sequence
  std::uint64_t queued_ = 0;
};

}  // namespace shmh::model
