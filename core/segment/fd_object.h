// FdObject: a shared-memory object reached through a file descriptor — the common part of
// PosixSegment (shm_open) and MemfdSegment (memfd_create). Owns the descriptor (closes it).
//
//   auto m = object.map();                       // the whole object, read/write, MAP_SHARED
//   auto half = object.map({.length = 4096, .offset = 4096});
#pragma once

#include <sys/mman.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/result.h"
#include "core/segment/mapping.h"

namespace shmh {

struct MapOptions {
  std::size_t length = 0;  // 0: the object's current size (fstat)
  off_t offset = 0;
  int prot = PROT_READ | PROT_WRITE;
  int flags = MAP_SHARED;  // MAP_PRIVATE gives a copy-on-write view that shares nothing
  void* addr = nullptr;    // with MAP_FIXED: the exact address
};

class FdObject {
 public:
  FdObject() = default;
  explicit FdObject(int fd) noexcept : fd_(fd) {}
  FdObject(FdObject&& other) noexcept;
  FdObject& operator=(FdObject&& other) noexcept;
  FdObject(const FdObject&) = delete;
  FdObject& operator=(const FdObject&) = delete;
  ~FdObject();

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }

  // ftruncate: sets the size; the new range reads as zeros and has no memory behind it yet.
  // EINVAL when the descriptor is read-only; EPERM when a memfd seal forbids it.
  [[nodiscard]] Result<void> truncate(std::size_t size) const;
  // posix_fallocate: reserves memory for [offset, offset+length) now, so a full tmpfs answers
  // ENOSPC here rather than SIGBUS on first touch.
  [[nodiscard]] Result<void> allocate(std::size_t offset, std::size_t length) const;
  [[nodiscard]] Result<struct stat> stat() const;
  [[nodiscard]] Result<std::size_t> size() const;
  // mmap of the object. Errors: EACCES (PROT_WRITE + MAP_SHARED on a read-only descriptor),
  // EINVAL (length 0 on an empty object, unaligned offset), EPERM (a memfd write seal), ENOMEM.
  // Touching a page past the object's end raises SIGBUS — that is the kernel's contract.
  [[nodiscard]] Result<Mapping> map(const MapOptions& options = {}) const;
  // pwrite / pread at an offset; the count may be short (end of file, a full tmpfs). A write past
  // the end grows the object. EBADF when the descriptor lacks that access; EPERM under memfd seals.
  [[nodiscard]] Result<std::size_t> write_at(std::uint64_t offset, std::span<const std::byte> data) const;
  [[nodiscard]] Result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> buffer) const;
  // F_ADD_SEALS / F_GET_SEALS. Sealing is a memfd feature: a memfd made without MFD_ALLOW_SEALING
  // and every shm_open object are sealed against seals (F_SEAL_SEAL), so adding one is EPERM.
  [[nodiscard]] Result<void> add_seals(int seals) const;
  [[nodiscard]] Result<int> seals() const;
  // fchmod: the owner (or CAP_FOWNER) only, else EPERM; F_SEAL_EXEC forbids changing the x bits.
  [[nodiscard]] Result<void> chmod(mode_t mode) const;

 protected:
  // Closes the descriptor now (idempotent).
  void close() noexcept;

 private:
  int fd_ = -1;
};

}  // namespace shmh
