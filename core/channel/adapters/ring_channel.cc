#include "core/channel/adapters/ring_channel.h"

#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "core/channel/channel_error.h"
#include "core/channel/ring/ring.h"
#include "core/segment/shared_region.h"

namespace shmh {
namespace {

constexpr std::string_view kPrefix = "ring@";

// Member order matters: the ring (which touches the mapping when it detaches) is destroyed
// before the region unmaps.
struct RingHandle {
  SharedRegion region;
  ring::Ring ring;
};

RingHandle* cast(shmh_channel* ch) { return reinterpret_cast<RingHandle*>(ch); }

int from_error(shmh_error* err, const SysError& e) {
  // Errors with an errno are system failures; without one, the ring header or the address was bad.
  const int code = e.err != 0 ? SHMH_ESYSTEM : SHMH_ECORRUPT;
  return channel_fail(err, code, e.err, "%s", e.message().c_str());
}

int ring_create(const shmh_channel_config* config, shmh_channel** out, char* address, shmh_error* err) noexcept {
  if (config == nullptr || out == nullptr || address == nullptr)
    return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  if (config->backend > SHMH_BACKEND_MEMFD)
    return channel_fail(err, SHMH_EINVAL, 0, "unknown backend %u", config->backend);
  auto geometry = ring::plan(config->capacity, config->max_message);
  if (!geometry) return channel_fail(err, SHMH_EINVAL, 0, "%s", geometry.error().message().c_str());
  const auto backend = static_cast<Backend>(config->backend);
  auto region = SharedRegion::create(backend, geometry->total_size, config->mode == 0 ? 0600 : config->mode);
  if (!region) return from_error(err, region.error());
  auto r = ring::Ring::create(region->bytes(), *geometry);
  if (!r) {
    (void)region->remove();
    return from_error(err, r.error());
  }
  const std::string addr = std::string(kPrefix) + region->address();
  if (addr.size() >= SHMH_ADDRESS_MAX) {
    (void)region->remove();
    return channel_fail(err, SHMH_EINVAL, 0, "address too long");
  }
  std::memcpy(address, addr.c_str(), addr.size() + 1);
  auto* handle = new (std::nothrow) RingHandle{std::move(*region), std::move(*r)};
  if (handle == nullptr) return channel_fail(err, SHMH_ESYSTEM, ENOMEM, "out of memory");
  *out = reinterpret_cast<shmh_channel*>(handle);
  return SHMH_OK;
}

int ring_open(const char* address, shmh_channel** out, shmh_error* err) noexcept {
  if (address == nullptr || out == nullptr) return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  const std::string_view a = address;
  if (a.substr(0, kPrefix.size()) != kPrefix)
    return channel_fail(err, SHMH_EINVAL, 0, "not a ring address: %s", address);
  auto region = SharedRegion::open(std::string(a.substr(kPrefix.size())));
  if (!region) {
    if (region.error().err == 0) return channel_fail(err, SHMH_EINVAL, 0, "%s", region.error().message().c_str());
    return from_error(err, region.error());
  }
  auto r = ring::Ring::attach(region->bytes());
  if (!r) return from_error(err, r.error());
  auto* handle = new (std::nothrow) RingHandle{std::move(*region), std::move(*r)};
  if (handle == nullptr) return channel_fail(err, SHMH_ESYSTEM, ENOMEM, "out of memory");
  *out = reinterpret_cast<shmh_channel*>(handle);
  return SHMH_OK;
}

int ring_send(shmh_channel* ch, const void* data, size_t length, int64_t timeout_ns, shmh_error* err) noexcept {
  if (ch == nullptr || (data == nullptr && length != 0)) return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  return cast(ch)->ring.send(data, length, timeout_ns, err);
}

int64_t ring_recv(shmh_channel* ch, void* buffer, size_t capacity, int64_t timeout_ns, shmh_error* err) noexcept {
  if (ch == nullptr || (buffer == nullptr && capacity != 0)) return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  return cast(ch)->ring.recv(buffer, capacity, timeout_ns, err);
}

void ring_close(shmh_channel* ch) noexcept { delete cast(ch); }

int ring_destroy(shmh_channel* ch, shmh_error* err) noexcept {
  if (ch == nullptr) return channel_fail(err, SHMH_EINVAL, 0, "null handle");
  RingHandle* h = cast(ch);
  h->ring.close_ring();
  h->ring.detach();
  auto removed = h->region.remove();
  delete h;
  if (!removed) return from_error(err, removed.error());
  return SHMH_OK;
}

int ring_stats(shmh_channel* ch, shmh_channel_stats* out, shmh_error* err) noexcept {
  if (ch == nullptr || out == nullptr) return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  const ring::Stats s = cast(ch)->ring.stats();
  out->abandoned_sends = s.abandoned_sends;
  out->abandoned_recvs = s.abandoned_recvs;
  return SHMH_OK;
}

int ring_shared_bytes(shmh_channel* ch, void** base, size_t* length, shmh_error* err) noexcept {
  if (ch == nullptr || base == nullptr || length == nullptr) return channel_fail(err, SHMH_EINVAL, 0, "null argument");
  const std::span<std::byte> bytes = cast(ch)->region.bytes();
  *base = bytes.data();
  *length = bytes.size();
  return SHMH_OK;
}

constexpr shmh_channel_vtable kRingVtable = {
    SHMH_CHANNEL_ABI_VERSION,
    SHMH_CHANNEL_FIFO_PER_WRITER | SHMH_CHANNEL_MULTI_WRITER | SHMH_CHANNEL_MULTI_READER | SHMH_CHANNEL_SHARED_MEMORY,
    "ring",
    ring_create,
    ring_open,
    ring_send,
    ring_recv,
    ring_close,
    ring_destroy,
    ring_stats,
    ring_shared_bytes};

}  // namespace

const shmh_channel_vtable* ring_channel() { return &kRingVtable; }

}  // namespace shmh
