// The only place shmharness calls the raw system calls it depends on. Each wrapper takes the
// syscall's name and arguments and returns Result<T>: the value, or the errno exactly as the kernel
// set it with the call's name. EINTR is retried here, for the calls that can return it, and nowhere
// else; nothing is translated.
//
//   auto id = shmh::sys::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
//   if (!id) std::puts(id.error().message().c_str());  // "shmget: ENOSPC (...)"
#pragma once

#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace shmh::sys {

// System V shared memory (shmget(2), shmop(2), shmctl(2)).
Result<int> shmget(key_t key, std::size_t size, int shmflg);
Result<void*> shmat(int shmid, const void* addr, int shmflg);
Result<void> shmdt(const void* addr);
// Returns shmctl's own return value: 0, or the index/id for IPC_INFO, SHM_INFO, SHM_STAT(_ANY).
Result<int> shmctl(int shmid, int cmd, struct shmid_ds* buf);

// POSIX shared memory (shm_open(3)) and memfd (memfd_create(2), fcntl(2) seals).
Result<int> shm_open(const std::string& name, int oflag, mode_t mode);
Result<void> shm_unlink(const std::string& name);
Result<int> memfd_create(const std::string& name, unsigned int flags);
Result<void> add_seals(int fd, int seals);
Result<int> get_seals(int fd);

// File descriptors and mappings.
Result<void> ftruncate(int fd, off_t length);
// posix_fallocate: reserves the blocks, so a full tmpfs answers ENOSPC here instead of SIGBUS later.
Result<void> fallocate(int fd, off_t offset, off_t length);
Result<struct stat> fstat(int fd);
Result<void> fchmod(int fd, mode_t mode);
// open(2) with O_CLOEXEC added; EINTR retried.
Result<int> open(const std::string& path, int oflag, mode_t mode = 0);
void close(int fd) noexcept;  // never retried: on Linux the fd is gone even when close says EINTR
Result<void*> mmap(void* addr, std::size_t length, int prot, int flags, int fd, off_t offset);
// pread(2) / pwrite(2); EINTR retried. The byte count may be short (end of file, full tmpfs).
Result<std::size_t> pread(int fd, void* buf, std::size_t count, off_t offset);
Result<std::size_t> pwrite(int fd, const void* buf, std::size_t count, off_t offset);
// Blocks in use on the filesystem holding `path` (statvfs f_blocks - f_bfree), in bytes.
Result<std::uint64_t> fs_used_bytes(const std::string& path);
// setfsuid(2) + setfsgid(2): the ids this thread's file accesses are checked as (root leaves its
// file capabilities while they are not 0). Returns the previous uid.
uid_t set_fs_ids(uid_t uid, gid_t gid) noexcept;
// getgroups(2): this process's supplementary groups.
std::vector<gid_t> supplementary_groups();
// umask(2): sets the file-creation mask, returns the previous one.
mode_t set_umask(mode_t mask) noexcept;
Result<void> munmap(void* addr, std::size_t length);
// madvise(2).
Result<void> madvise(void* addr, std::size_t length, int advice);

// Namespaces, mounts, limits, /proc files.
Result<void> unshare(int flags);
Result<void> mount(const char* source, const char* target, const char* fstype, unsigned long flags,
                   const std::string& data);
Result<std::string> read_file(const std::string& path);
Result<void> write_file(const std::string& path, const std::string& contents);
Result<struct rlimit> getrlimit(int resource);
Result<void> setrlimit(int resource, const struct rlimit& limit);

// Pipes and polling.
struct PipeFds {
  int read = -1;
  int write = -1;
};
Result<PipeFds> pipe();  // O_CLOEXEC on both ends
// Writes all of `data` (retrying EINTR and short writes).
Result<void> write_all(int fd, std::string_view data);
// Reads what can be read now without blocking, up to `limit` bytes; leaves fd non-blocking.
std::string read_available(int fd, std::size_t limit);
// Whether fd became readable within timeout_ms (EINTR retried with the full timeout again).
Result<bool> poll_readable(int fd, int timeout_ms);

// Processes.
Result<pid_t> fork();
// pidfd_open(2): a descriptor that becomes readable when the process exits.
Result<int> pidfd_open(pid_t pid);
Result<void> kill(pid_t pid, int sig);
// waitpid with EINTR retried. pid is 0 when WNOHANG found no change; status is the raw status.
struct WaitStatus {
  pid_t pid = 0;
  int status = 0;
};
Result<WaitStatus> waitpid(pid_t pid, int options);
// Drops this process to uid/gid with no supplementary groups (needs root), and marks it dumpable
// again as a process that user started would be (a uid change clears it, which makes its
// /proc/self files root's).
Result<void> become_user(uid_t uid, gid_t gid);

// Whether a process with this pid exists (kill(pid, 0): EPERM still means it exists).
bool process_alive(pid_t pid) noexcept;

// The system page size.
std::size_t page_size() noexcept;

}  // namespace shmh::sys
