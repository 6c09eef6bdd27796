// SharedRegion: a mapped segment of any backend plus the address another process opens it by —
// what channels and workloads build on when they should not care which backend they run on.
//
//   auto region = shmh::SharedRegion::create(shmh::Backend::kPosix, 1 << 20);  // creator
//   auto peer = shmh::SharedRegion::open(region->address());                   // any process
//
// Addresses: "sysv:<shmid>", "posix:<name>", "memfd:<pid>:<fd>" (the creator's descriptor, opened
// through /proc). Objects are created under tagged keys/names (core/segment/tag.h), mode 0600 by
// default, and owned by the creator's handle: destroying it removes the object.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <span>
#include <string>
#include <variant>

#include "core/result.h"
#include "core/segment/backend.h"
#include "core/segment/mapping.h"
#include "core/segment/memfd_segment.h"
#include "core/segment/posix_segment.h"
#include "core/segment/sysv_segment.h"

namespace shmh {

class SharedRegion {
 public:
  // Creates a zero-filled segment of `size` bytes and maps it read-write. For POSIX the memory is
  // reserved up front (posix_fallocate), so a full /dev/shm is ENOSPC here, not SIGBUS later.
  static Result<SharedRegion> create(Backend backend, std::size_t size, mode_t mode = 0600);
  // Opens and maps a region another process created. A malformed address fails without errno;
  // otherwise the backend's errors (ENOENT, EACCES, EINVAL...).
  static Result<SharedRegion> open(const std::string& address);

  SharedRegion() = default;

  [[nodiscard]] std::span<std::byte> bytes() const { return mapping_.bytes(); }
  [[nodiscard]] const std::string& address() const { return address_; }
  [[nodiscard]] Backend backend() const { return backend_; }
  [[nodiscard]] bool owner() const;

  // Removes the object (IPC_RMID, shm_unlink, or closing the memfd) and unmaps. Only the creator
  // removes; for others it only unmaps.
  [[nodiscard]] Result<void> remove();

 private:
  using Object = std::variant<std::monostate, SysvSegment, PosixSegment, MemfdSegment>;
  SharedRegion(Backend backend, Object object, Mapping mapping, std::string address)
      : backend_(backend), object_(std::move(object)), mapping_(std::move(mapping)), address_(std::move(address)) {}

  Backend backend_ = Backend::kSysv;
  Object object_;
  Mapping mapping_;
  std::string address_;
};

}  // namespace shmh
