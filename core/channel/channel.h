// Channel: a C++ handle over any channel's plugin ABI (shmh_channel.h) — what the stress runner,
// the fuzzers and the tests hold. Move-only; the destructor closes the handle (never destroys the
// shared state: call destroy() on the creator's handle for that).
//
//   auto source = shmh::resolve_channel("ring");                 // channel_registry.h
//   auto ch = shmh::Channel::create(*source->vtable, {.capacity = 64, .max_message = 256});
//   auto peer = shmh::Channel::open(*source->vtable, ch->address());  // in another process
//   peer->send(bytes, 1'000'000);                                 // SHMH_OK or a negative status
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/channel/shmh_channel.h"
#include "core/result.h"

namespace shmh {

class Channel {
 public:
  // Calls vtable.create. The error's detail is the channel's own message; err is its errno.
  static Result<Channel> create(const shmh_channel_vtable& vtable, const shmh_channel_config& config);
  static Result<Channel> open(const shmh_channel_vtable& vtable, const std::string& address);

  Channel() = default;
  Channel(Channel&& other) noexcept;
  Channel& operator=(Channel&& other) noexcept;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  ~Channel();

  // SHMH_OK or a negative shmh_status; details in last_error(). No allocation.
  int send(std::span<const std::byte> message, std::int64_t timeout_ns) noexcept;
  // The message length, or a negative shmh_status.
  std::int64_t recv(std::span<std::byte> buffer, std::int64_t timeout_ns) noexcept;
  [[nodiscard]] const shmh_error& last_error() const { return error_; }
  // Counters (zero when the channel has no stats function).
  [[nodiscard]] shmh_channel_stats stats() noexcept;
  // The shared memory behind this handle (ABI 2 shared_bytes), or an empty span when the channel
  // does not expose it or the call failed (last_error() says why).
  [[nodiscard]] std::span<std::byte> shared_bytes() noexcept;
  // Removes the shared state; the handle is gone afterwards whatever the result.
  Result<void> destroy();
  // Closes this handle now.
  void close() noexcept;

  [[nodiscard]] const std::string& address() const { return address_; }
  [[nodiscard]] const shmh_channel_vtable* vtable() const { return vtable_; }
  [[nodiscard]] bool valid() const { return handle_ != nullptr; }

 private:
  Channel(const shmh_channel_vtable* vtable, shmh_channel* handle, std::string address)
      : vtable_(vtable), handle_(handle), address_(std::move(address)) {}

  const shmh_channel_vtable* vtable_ = nullptr;
  shmh_channel* handle_ = nullptr;
  std::string address_;
  shmh_error error_{};
};

// Whether the channel exposes its shared memory (ABI >= 2 and shared_bytes set).
bool exposes_shared_bytes(const shmh_channel_vtable& vtable) noexcept;

// Whether `rc` (a negative answer of send or recv) is one of the shmh_status codes the ABI
// defines; anything else is an answer outside the contract.
constexpr bool documented_status(std::int64_t rc) noexcept { return rc >= SHMH_EINVAL && rc <= SHMH_ETIMEOUT; }

// The channel's error as a SysError: call "<channel> <operation>", detail its message.
SysError channel_error(const shmh_channel_vtable& vtable, const char* operation, const shmh_error& err);

}  // namespace shmh
