#include "core/channel/adapters/boost_mq_channel.h"

#include <boost/date_time/posix_time/posix_time_types.hpp>
#include <boost/interprocess/ipc/message_queue.hpp>

#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "core/channel/adapters/pending_message.h"
#include "core/channel/channel_error.h"
#include "core/segment/tag.h"

namespace shmh {
namespace {

namespace bip = boost::interprocess;

constexpr std::string_view kPrefix = "boost-mq@";

struct MqHandle {
  std::string name;
  std::unique_ptr<bip::message_queue> queue;
  PendingMessage pending;
};

MqHandle* cast(shmh_channel* ch) { return reinterpret_cast<MqHandle*>(ch); }

boost::posix_time::ptime deadline_after(std::int64_t timeout_ns) {
  // Boost's timed operations take an absolute UTC time.
  const std::int64_t us = std::min<std::int64_t>(timeout_ns, 86'400'000'000'000LL) / 1000;
  return boost::posix_time::microsec_clock::universal_time() + boost::posix_time::microseconds(us);
}

// Boost reports failures with exceptions; none may cross the C ABI.
int from_exception(shmh_error* err, const char* what, const std::exception& e) {
  int sys = 0;
  if (const auto* ie = dynamic_cast<const bip::interprocess_exception*>(&e)) sys = ie->get_native_error();
  return channel_fail(err, SHMH_ESYSTEM, sys, "%s: %s", what, e.what());
}

int adopt(std::string name, std::unique_ptr<bip::message_queue> queue, shmh_channel** out, shmh_error* err) {
  const auto max = queue->get_max_msg_size();
  auto* h = new (std::nothrow) MqHandle{std::move(name), std::move(queue), PendingMessage(max)};
  if (h == nullptr) return channel_fail(err, SHMH_ESYSTEM, ENOMEM, "out of memory");
  *out = reinterpret_cast<shmh_channel*>(h);
  return SHMH_OK;
}

int mq_create(const shmh_channel_config* config, shmh_channel** out, char* address, shmh_error* err) noexcept {
  if (config == nullptr || out == nullptr || address == nullptr)
    return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  if (config->capacity == 0 || config->max_message == 0) {
    return channel_fail(err, SHMH_EINVAL, 0, "capacity and max message must be at least 1");
  }
  std::string name = tagged_posix_name().substr(1);  // Boost adds the leading slash itself
  try {
    bip::permissions perm(static_cast<int>(config->mode == 0 ? 0600U : config->mode & 0777U));
    auto queue = std::make_unique<bip::message_queue>(bip::create_only, name.c_str(), config->capacity,
                                                      config->max_message, perm);
    const std::string addr = std::string(kPrefix) + name;
    std::memcpy(address, addr.c_str(), addr.size() + 1);
    return adopt(std::move(name), std::move(queue), out, err);
  } catch (const std::exception& e) {
    bip::message_queue::remove(name.c_str());
    return from_exception(err, "message_queue create", e);
  }
}

int mq_open(const char* address, shmh_channel** out, shmh_error* err) noexcept {
  if (address == nullptr || out == nullptr) return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  const std::string_view a = address;
  if (a.substr(0, kPrefix.size()) != kPrefix || a.size() == kPrefix.size() || a.size() > 200) {
    return channel_fail(err, SHMH_EINVAL, 0, "not a boost-mq address: %s", address);
  }
  std::string name(a.substr(kPrefix.size()));
  try {
    auto queue = std::make_unique<bip::message_queue>(bip::open_only, name.c_str());
    return adopt(std::move(name), std::move(queue), out, err);
  } catch (const std::exception& e) {
    return from_exception(err, "message_queue open", e);
  }
}

int mq_send(shmh_channel* ch, const void* data, size_t length, int64_t timeout_ns, shmh_error* err) noexcept {
  if (ch == nullptr || (data == nullptr && length != 0)) return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  MqHandle* h = cast(ch);
  if (length > h->queue->get_max_msg_size()) {
    return channel_fail(err, SHMH_ETOOBIG, 0, "message of %zu bytes > max %zu", length, h->queue->get_max_msg_size());
  }
  // Boost 1.74 memcpy()s from `data` even for 0 bytes, and memcpy from NULL is undefined (UBSan
  // reports it): give it a valid pointer.
  static constexpr char kEmpty = 0;
  if (length == 0) data = &kEmpty;
  try {
    const bool sent = timeout_ns <= 0 ? h->queue->try_send(data, length, 0)
                                      : h->queue->timed_send(data, length, 0, deadline_after(timeout_ns));
    return sent ? SHMH_OK : channel_fail(err, SHMH_ETIMEOUT, 0, "queue full");
  } catch (const std::exception& e) {
    return from_exception(err, "message_queue send", e);
  }
}

int64_t mq_recv(shmh_channel* ch, void* buffer, size_t capacity, int64_t timeout_ns, shmh_error* err) noexcept {
  if (ch == nullptr || (buffer == nullptr && capacity != 0)) return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  MqHandle* h = cast(ch);
  if (h->pending.held()) return h->pending.redeliver(buffer, capacity, err);
  try {
    // Boost insists on a buffer of at least max_msg_size: receive into ours, then copy.
    bip::message_queue::size_type received = 0;
    unsigned int priority = 0;
    const bool got = timeout_ns <= 0
                         ? h->queue->try_receive(h->pending.buffer(), h->pending.buffer_size(), received, priority)
                         : h->queue->timed_receive(h->pending.buffer(), h->pending.buffer_size(), received, priority,
                                                   deadline_after(timeout_ns));
    if (!got) return channel_fail(err, SHMH_ETIMEOUT, 0, "queue empty");
    if (received > h->pending.buffer_size()) return channel_fail(err, SHMH_ECORRUPT, 0, "received size %zu", received);
    return h->pending.deliver(received, buffer, capacity, err);
  } catch (const std::exception& e) {
    return from_exception(err, "message_queue receive", e);
  }
}

void mq_close(shmh_channel* ch) noexcept { delete cast(ch); }

int mq_destroy(shmh_channel* ch, shmh_error* err) noexcept {
  if (ch == nullptr) return channel_fail(err, SHMH_EINVAL, 0, "null handle");
  const std::string name = cast(ch)->name;
  mq_close(ch);
  if (!bip::message_queue::remove(name.c_str()))
    return channel_fail(err, SHMH_ESYSTEM, 0, "remove %s failed", name.c_str());
  return SHMH_OK;
}

constexpr shmh_channel_vtable kBoostVtable = {
    SHMH_CHANNEL_ABI_VERSION,
    SHMH_CHANNEL_FIFO_PER_WRITER | SHMH_CHANNEL_MULTI_WRITER | SHMH_CHANNEL_MULTI_READER | SHMH_CHANNEL_SHARED_MEMORY,
    "boost-mq",
    mq_create,
    mq_open,
    mq_send,
    mq_recv,
    mq_close,
    mq_destroy,
    nullptr};

}  // namespace

const shmh_channel_vtable* boost_mq_channel() { return &kBoostVtable; }

}  // namespace shmh
