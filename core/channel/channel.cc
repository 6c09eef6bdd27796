#include "core/channel/channel.h"

#include <utility>

#include "core/channel/channel_error.h"

namespace shmh {

SysError channel_error(const shmh_channel_vtable& vtable, const char* operation, const shmh_error& err) {
  std::string detail = std::string(channel_status_name(err.code)) + ": " + err.message;
  return SysError{err.sys_errno, std::string(vtable.name != nullptr ? vtable.name : "channel") + " " + operation,
                  std::move(detail)};
}

Result<Channel> Channel::create(const shmh_channel_vtable& vtable, const shmh_channel_config& config) {
  shmh_error err{};
  shmh_channel* handle = nullptr;
  char address[SHMH_ADDRESS_MAX] = {};
  if (vtable.create(&config, &handle, address, &err) != SHMH_OK || handle == nullptr) {
    return channel_error(vtable, "create", err);
  }
  address[SHMH_ADDRESS_MAX - 1] = '\0';  // a plugin that forgot the terminator does not read us out of bounds
  return Channel(&vtable, handle, address);
}

Result<Channel> Channel::open(const shmh_channel_vtable& vtable, const std::string& address) {
  shmh_error err{};
  shmh_channel* handle = nullptr;
  if (vtable.open(address.c_str(), &handle, &err) != SHMH_OK || handle == nullptr) {
    return channel_error(vtable, "open", err);
  }
  return Channel(&vtable, handle, address);
}

Channel::Channel(Channel&& other) noexcept
    : vtable_(other.vtable_),
      handle_(std::exchange(other.handle_, nullptr)),
      address_(std::move(other.address_)),
      error_(other.error_) {}

Channel& Channel::operator=(Channel&& other) noexcept {
  if (this != &other) {
    close();
    vtable_ = other.vtable_;
    handle_ = std::exchange(other.handle_, nullptr);
    address_ = std::move(other.address_);
    error_ = other.error_;
  }
  return *this;
}

Channel::~Channel() { close(); }

void Channel::close() noexcept {
  if (handle_ != nullptr) vtable_->close(std::exchange(handle_, nullptr));
}

int Channel::send(std::span<const std::byte> message, std::int64_t timeout_ns) noexcept {
  return vtable_->send(handle_, message.data(), message.size(), timeout_ns, &error_);
}

std::int64_t Channel::recv(std::span<std::byte> buffer, std::int64_t timeout_ns) noexcept {
  return vtable_->recv(handle_, buffer.data(), buffer.size(), timeout_ns, &error_);
}

shmh_channel_stats Channel::stats() noexcept {
  shmh_channel_stats s{};
  if (vtable_->stats != nullptr && handle_ != nullptr) (void)vtable_->stats(handle_, &s, &error_);
  return s;
}

bool exposes_shared_bytes(const shmh_channel_vtable& vtable) noexcept {
  return vtable.abi_version >= 2 && vtable.shared_bytes != nullptr;
}

std::span<std::byte> Channel::shared_bytes() noexcept {
  if (handle_ == nullptr || !exposes_shared_bytes(*vtable_)) return {};
  void* base = nullptr;
  std::size_t length = 0;
  if (vtable_->shared_bytes(handle_, &base, &length, &error_) != SHMH_OK || base == nullptr) return {};
  return {static_cast<std::byte*>(base), length};
}

Result<void> Channel::destroy() {
  if (handle_ == nullptr) return logic_error("channel destroy", "no handle");
  shmh_error err{};
  if (vtable_->destroy(std::exchange(handle_, nullptr), &err) != SHMH_OK)
    return channel_error(*vtable_, "destroy", err);
  return {};
}

}  // namespace shmh
