// PosixSegment: a POSIX shared-memory object (shm_open, ftruncate, mmap, shm_unlink) — a file in
// the tmpfs mounted on /dev/shm. An owning handle unlinks the name when destroyed; the memory
// lives on while any descriptor or mapping refers to it.
//
//   auto seg = shmh::PosixSegment::create({.name = "/demo", .size = 1 << 20});
//   auto map = seg->map();
//   auto peer = shmh::PosixSegment::open("/demo");    // another handle, same memory
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "core/result.h"
#include "core/segment/fd_object.h"

namespace shmh {

struct PosixCreateOptions {
  std::string name;       // "/name"; glibc strips leading slashes, rejects other slashes (EINVAL)
  std::size_t size = 0;   // ftruncate'd after creation when non-zero
  mode_t mode = 0600;     // the umask applies (unlike System V)
  bool exclusive = true;  // O_EXCL: EEXIST instead of opening an existing object
  int access = O_RDWR;    // O_RDONLY, O_WRONLY or O_RDWR
  bool truncate = false;  // O_TRUNC: an existing object opened without O_EXCL is emptied
};

class PosixSegment : public FdObject {
 public:
  // shm_open(name, O_CREAT [| O_EXCL] | access [| O_TRUNC], mode), then ftruncate(size). Owns the
  // name (also when it opened an existing object).
  // Errors: EEXIST, EINVAL (bad name), ENAMETOOLONG, EACCES, EMFILE, ENOSPC; a failed ftruncate
  // unlinks the new object and returns ftruncate's error.
  static Result<PosixSegment> create(const PosixCreateOptions& options);
  // create() under a fresh tagged name (core/segment/tag.h), for objects made outside a sandbox.
  static Result<PosixSegment> create_tagged(std::size_t size, mode_t mode = 0600);
  // shm_open(name, oflag) of an existing object; not owned. ENOENT, EACCES, EINVAL, ENAMETOOLONG.
  static Result<PosixSegment> open(const std::string& name, int oflag = O_RDWR);
  // shm_unlink(name): the name goes now, the memory with the last descriptor and mapping.
  // ENOENT (also for a name glibc refuses), EACCES (another user's object in sticky /dev/shm).
  static Result<void> unlink(const std::string& name);

  PosixSegment() = default;
  PosixSegment(PosixSegment&& other) noexcept;
  PosixSegment& operator=(PosixSegment&& other) noexcept;
  PosixSegment(const PosixSegment&) = delete;
  PosixSegment& operator=(const PosixSegment&) = delete;
  ~PosixSegment();  // closes; shm_unlink when owned

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] bool owned() const { return owned_; }
  void release() noexcept { owned_ = false; }

  // shm_unlink(name): the name goes now, the memory when the last descriptor and mapping go.
  // The handle stops owning the name whatever the result. ENOENT when already gone.
  [[nodiscard]] Result<void> remove();

 private:
  PosixSegment(int fd, std::string name, bool owned) : FdObject(fd), name_(std::move(name)), owned_(owned) {}

  std::string name_;
  bool owned_ = false;
};

}  // namespace shmh
