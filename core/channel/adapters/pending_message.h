// PendingMessage: one received message kept in the handle when the caller's buffer was too small,
// so adapters whose transport cannot "peek" (pipes, Boost message_queue) still honour the ABI's
// "SHMH_ETOOBIG and the message stays queued". Its buffer is sized once, at open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/channel/channel_error.h"

namespace shmh {

class PendingMessage {
 public:
  explicit PendingMessage(std::size_t max_message) : buffer_(max_message) {}

  [[nodiscard]] std::byte* buffer() { return buffer_.data(); }
  [[nodiscard]] std::size_t buffer_size() const { return buffer_.size(); }
  [[nodiscard]] bool held() const { return held_; }

  // After the transport delivered `length` bytes into buffer(): hands them to the caller, or keeps
  // them and reports SHMH_ETOOBIG.
  std::int64_t deliver(std::size_t length, void* out, std::size_t capacity, shmh_error* err) noexcept {
    if (length > capacity) {
      held_ = true;
      length_ = length;
      return channel_fail(err, SHMH_ETOOBIG, 0, "message of %zu bytes > receive buffer of %zu", length, capacity);
    }
    held_ = false;
    if (length != 0) std::memcpy(out, buffer_.data(), length);
    return static_cast<std::int64_t>(length);
  }
  // Delivers the held message again (call when held()).
  std::int64_t redeliver(void* out, std::size_t capacity, shmh_error* err) noexcept {
    return deliver(length_, out, capacity, err);
  }

 private:
  std::vector<std::byte> buffer_;
  std::size_t length_ = 0;
  bool held_ = false;
};

}  // namespace shmh
