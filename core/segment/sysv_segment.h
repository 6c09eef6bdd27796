// SysvSegment: one System V shared-memory segment (shmget/shmat/shmdt/shmctl) and, optionally,
// ownership of it: an owning handle removes the segment (IPC_RMID) when destroyed.
//
//   auto seg = shmh::SysvSegment::create({.size = 1 << 20});     // IPC_PRIVATE, mode 0600
//   auto map = seg->attach();                                     // Result<Mapping>
//   map->data()[0] = std::byte{1};
//   auto ds = seg->stat();                                        // ds->shm_nattch == 1
//
// Every failure is the kernel's errno with the call's name (see core/result.h). The type holds no
// state that the kernel does not: size and key are read back with IPC_STAT when needed.
#pragma once

#include <sys/ipc.h>
#include <sys/shm.h>

#include <cstddef>

#include "core/result.h"
#include "core/segment/mapping.h"

namespace shmh {

struct SysvCreateOptions {
  key_t key = IPC_PRIVATE;
  std::size_t size = 0;
  int mode = 0600;        // permission bits; System V ignores the umask
  bool exclusive = true;  // IPC_EXCL: fail with EEXIST instead of opening an existing key
  int extra_flags = 0;    // SHM_HUGETLB, SHM_NORESERVE, SHM_HUGE_* as the caller wants
};

// IPC_INFO's answer: the system limits and the highest index in use in the kernel's id array.
struct SysvIpcInfo {
  struct shminfo limits {};
  int highest_index = 0;
};

// SHM_INFO's answer: usage counters and the highest index in use.
struct SysvShmInfo {
  struct shm_info usage {};
  int highest_index = 0;
};

// SHM_STAT / SHM_STAT_ANY's answer for one index of the kernel's array.
struct SysvIndexStat {
  int id = -1;
  struct shmid_ds ds {};
};

class SysvSegment {
 public:
  // shmget(key, size, IPC_CREAT [| IPC_EXCL] | mode | extra_flags). The handle owns the segment.
  // Errors: EINVAL (size < SHMMIN or > SHMMAX; existing key smaller than size), EEXIST, ENOSPC
  // (SHMMNI or SHMALL reached), ENOMEM, EACCES, EPERM (SHM_HUGETLB without privilege).
  static Result<SysvSegment> create(const SysvCreateOptions& options);
  // create() under a fresh tagged key (core/segment/tag.h), retrying on EEXIST; for objects made
  // outside a sandbox, so `shmharness clean` can find them after a crash.
  static Result<SysvSegment> create_tagged(std::size_t size, int mode = 0600);
  // shmget(key, size, requested_mode) on an existing key; not owned. ENOENT when absent, EACCES
  // when the requested permission bits are not granted, EINVAL when size exceeds the segment's.
  static Result<SysvSegment> open(key_t key, int requested_mode = 0, std::size_t size = 0);
  // Wraps an id obtained elsewhere (SHM_STAT, a parent process).
  static SysvSegment adopt(int id, bool owned) noexcept { return SysvSegment(id, owned); }

  SysvSegment() = default;
  SysvSegment(SysvSegment&& other) noexcept;
  SysvSegment& operator=(SysvSegment&& other) noexcept;
  SysvSegment(const SysvSegment&) = delete;
  SysvSegment& operator=(const SysvSegment&) = delete;
  ~SysvSegment();  // IPC_RMID when owned (the segment lives on until its last detach)

  [[nodiscard]] int id() const { return id_; }
  [[nodiscard]] bool owned() const { return owned_; }
  // Stops owning: the destructor will leave the segment alone.
  void release() noexcept { owned_ = false; }

  // shmat(id, addr, shmflg): flags SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC. The mapping's size is
  // the segment's size (IPC_STAT). Errors: EACCES, EINVAL (bad id, unaligned addr without
  // SHM_RND, SHM_REMAP without addr), EIDRM, ENOMEM.
  [[nodiscard]] Result<Mapping> attach(int shmflg = 0, const void* addr = nullptr) const;
  // IPC_STAT. EACCES without read permission; EINVAL/EIDRM once removed.
  [[nodiscard]] Result<struct shmid_ds> stat() const;
  // IPC_SET of owner uid, gid and the low 9 mode bits. EPERM unless creator, owner or privileged.
  [[nodiscard]] Result<void> set(uid_t uid, gid_t gid, int mode) const;
  // SHM_LOCK / SHM_UNLOCK. EPERM without CAP_IPC_LOCK when RLIMIT_MEMLOCK is 0 or the caller is
  // not the owner; ENOMEM when the segment exceeds RLIMIT_MEMLOCK.
  [[nodiscard]] Result<void> lock() const;
  [[nodiscard]] Result<void> unlock() const;
  // IPC_RMID: marks the segment for removal (SHM_DEST, key becomes private); it is destroyed at
  // the last detach. The handle stops owning it whatever the result.
  [[nodiscard]] Result<void> remove();

 private:
  SysvSegment(int id, bool owned) noexcept : id_(id), owned_(owned) {}

  int id_ = -1;
  bool owned_ = false;
};

// System-wide System V queries through shmctl.
[[nodiscard]] Result<SysvIpcInfo> sysv_ipc_info();  // IPC_INFO
[[nodiscard]] Result<SysvShmInfo> sysv_shm_info();  // SHM_INFO
// SHM_STAT (needs read permission) or SHM_STAT_ANY (does not) on an index of the kernel's array.
// EINVAL for an unused index.
[[nodiscard]] Result<SysvIndexStat> sysv_stat_index(int index, bool any);

}  // namespace shmh
