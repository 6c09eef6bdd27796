// MemfdSegment: an anonymous shared-memory file from memfd_create(2). It has no name in any
// namespace, so it cannot leak past its last descriptor and mapping; other processes reach it by
// inheriting the descriptor (fork), receiving it (SCM_RIGHTS) or opening /proc/<pid>/fd/<fd>.
// Seals (F_ADD_SEALS) restrict what anyone may do with it from then on.
//
//   auto seg = shmh::MemfdSegment::create({.name = "demo", .size = 4096});
//   seg->add_seals(F_SEAL_SHRINK | F_SEAL_GROW);     // size fixed from now on
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

#include "core/result.h"
#include "core/segment/fd_object.h"

namespace shmh {

struct MemfdCreateOptions {
  std::string name = "shmh";  // shown in /proc/<pid>/fd as "memfd:<name>"; at most 249 bytes
  std::size_t size = 0;       // ftruncate'd after creation when non-zero
  unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  std::optional<mode_t> mode = 0600;  // fchmod'd after creation; nullopt keeps memfd_create's 0777
};

class MemfdSegment : public FdObject {
 public:
  // memfd_create(name, flags), fchmod(mode), ftruncate(size). Errors: EINVAL (name too long,
  // unknown flags), EMFILE, ENOMEM; ftruncate's errors.
  static Result<MemfdSegment> create(const MemfdCreateOptions& options);
  // Opens another process's memfd through /proc/<pid>/fd/<fd>: a new descriptor for the same
  // memory. EACCES/ENOENT as open(2) gives them.
  static Result<MemfdSegment> open_peer(pid_t pid, int fd, int oflag = O_RDWR);

  MemfdSegment() = default;

  // add_seals / seals (FdObject): EPERM when F_SEAL_SEAL is set or the memfd was made without
  // MFD_ALLOW_SEALING; EBUSY for F_SEAL_WRITE while a shared mapping may write.
  // Closes the descriptor: the memory goes with the last descriptor and mapping. Never fails; a
  // Result for the same shape as the other backends.
  [[nodiscard]] Result<void> remove();

 private:
  explicit MemfdSegment(int fd) : FdObject(fd) {}
};

}  // namespace shmh
