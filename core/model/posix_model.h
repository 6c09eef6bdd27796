// PosixModel: an in-memory model of POSIX shared memory (shm_open / ftruncate / mmap / munmap /
// shm_unlink on a tmpfs /dev/shm) and memfd (memfd_create, seals) that predicts every call's value
// or errno and its side effects: sizes, modes, owners, link counts, seals, the bytes seen through
// each mapping (shared and copy-on-write private), and the tmpfs blocks each object holds.
// It is the oracle of the posix_api fuzz target and of tests that run the same calls on the kernel.
//
// Where the answers come from: glibc 2.36's shm_open name rules (leading slashes stripped; empty,
// an inner '/' or over NAME_MAX+4 bytes is EINVAL, NAME_MAX+1..+4 the kernel's ENAMETOOLONG; EISDIR
// is reported as EINVAL; shm_unlink says ENOENT for a name glibc refuses and EACCES for EPERM),
// fs/namei.c's open order (EEXIST, EISDIR, protected_regular, then permission; a file the call
// creates is not permission-checked; O_TRUNC needs write permission), the sticky /dev/shm for
// unlink, mm/mmap.c's checks (EINVAL, EACCES, then the seals' EPERM), mm/memfd.c (flags, name
// length, F_SEAL_*: EPERM on a read-only fd or a sealed seal, EBUSY for F_SEAL_WRITE while a
// shared mapping may write) and mm/shmem.c (a fault allocates a block in the page cache, even a
// read fault and a private one; pwrite's EPERM under seals and ENOSPC when the tmpfs is full).
// The kernel is the authority: where they disagree, the model is fixed.
//
//   shmh::model::PosixModel m({.tmpfs_pages = 64, .umask = 022});
//   auto fd = m.shm_open("/a", O_CREAT | O_RDWR, 0600, root);   // {value = fd handle}
//   m.ftruncate(fd.value, 4096);
//   auto map = m.mmap(fd.value, 4096, 0, PROT_READ | PROT_WRITE, MAP_SHARED);
//   m.store(map.value, 0, 'x');                                  // false if the access would fault
//
// Not predicted: descriptor numbers (the lowest free one) and limits (RLIMIT_NOFILE's EMFILE),
// mapping limits and addresses (ENOMEM), the tmpfs's inode limit (nr_inodes), huge pages, fchown,
// the memfd_noexec sysctl (assumed 0; PosixLimits::memfd_exec says whether the kernel knows the
// flags at all), and
// F_SEAL_FUTURE_WRITE on existing mappings' mprotect.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/model/sysv_model.h"  // Outcome

namespace shmh::model {

// memfd flags and seals newer than Debian 12's kernel headers (Linux 6.3); the values are ABI.
inline constexpr unsigned kMfdNoexecSeal = 0x0008U;
inline constexpr unsigned kMfdExec = 0x0010U;
inline constexpr unsigned kSealExec = 0x0020U;

struct PosixLimits {
  std::uint64_t page_size = 4096;
  std::uint64_t tmpfs_pages = 0;  // size= of the tmpfs on /dev/shm, in pages
  mode_t umask = 022;
  int protected_regular = 0;  // fs.protected_regular
  bool memfd_exec = true;     // Linux 6.3+: MFD_EXEC, MFD_NOEXEC_SEAL and F_SEAL_EXEC exist (else EINVAL)
};

// Who makes a call (its filesystem ids).
struct PosixCaller {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups
  bool privileged = false;    // CAP_DAC_OVERRIDE + CAP_FOWNER (root with fsuid 0)
};

// What fstat and F_GET_SEALS say of an open object.
struct PosixObjectState {
  bool directory = false;  // "." or ".." opened through shm_open
  std::uint64_t size = 0;
  unsigned mode = 0;  // permission bits
  uid_t uid = 0;
  gid_t gid = 0;
  unsigned nlink = 0;
  unsigned seals = 0;
  std::uint64_t pages = 0;  // tmpfs blocks the object holds, in pages
};

class PosixModel {
 public:
  explicit PosixModel(const PosixLimits& limits) : limits_(limits) {}

  // Returns an fd handle. `name` is what the caller passes to shm_open (bytes after a NUL ignored).
  Outcome shm_open(const std::string& name, int oflag, mode_t mode, const PosixCaller& who);
  Outcome shm_unlink(const std::string& name, const PosixCaller& who);
  Outcome memfd_create(const std::string& name, unsigned flags, const PosixCaller& who);
  Outcome close(long fd);
  Outcome ftruncate(long fd, std::int64_t length);
  Outcome add_seals(long fd, unsigned seals);
  // posix_fallocate: reserves the blocks of [offset, offset+length) (all or none: ENOSPC) and grows
  // the object to its end.
  Outcome fallocate(long fd, std::uint64_t offset, std::uint64_t length);
  Outcome fchmod(long fd, unsigned mode, const PosixCaller& who);
  // open("/proc/self/fd/N", oflag): a new descriptor of the same object, permission-checked
  // against the object's mode now (ENOENT for a closed N).
  Outcome reopen(long fd, int oflag, const PosixCaller& who);
  [[nodiscard]] std::uint64_t size_of(long fd) const;  // 0 for an unknown fd
  // Writes `len` bytes of `byte` at `offset` (one page at most); value = bytes written.
  Outcome pwrite(long fd, std::uint64_t offset, std::size_t len, std::uint8_t byte);
  // Returns a mapping handle. `offset` in bytes.
  Outcome mmap(long fd, std::uint64_t length, std::uint64_t offset, int prot, int flags);
  Outcome munmap(long map);

  // Whether touching byte `at` of a mapping faults (SIGBUS: beyond the object's end or no tmpfs
  // block left; SIGSEGV: beyond the mapping or not writable). Callers never touch such bytes.
  [[nodiscard]] bool store_faults(long map, std::uint64_t at) const;
  [[nodiscard]] bool load_faults(long map, std::uint64_t at) const;
  void store(long map, std::uint64_t at, std::uint8_t byte);  // precondition: !store_faults
  std::uint8_t load(long map, std::uint64_t at);              // precondition: !load_faults

  // What pread would return (no block is allocated by a read), and fstat / F_GET_SEALS.
  [[nodiscard]] std::string file_bytes(long fd, std::uint64_t count) const;  // the first `count` bytes
  [[nodiscard]] std::optional<PosixObjectState> state(long fd) const;
  [[nodiscard]] bool readable(long fd) const;
  [[nodiscard]] bool is_directory(long fd) const;
  [[nodiscard]] std::uint64_t tmpfs_pages_used() const { return pages_used_; }
  // Names the model believes are linked in /dev/shm (for cleanup by a driver).
  [[nodiscard]] std::vector<std::string> linked_names() const;

 private:
  struct Object {
    bool directory = false;
    bool memfd = false;
    std::string name;  // linked name ("" for memfd or once unlinked)
    uid_t uid = 0;
    gid_t gid = 0;
    unsigned mode = 0;
    std::uint64_t size = 0;
    unsigned seals = 0;
    std::set<std::uint64_t> pages;                // page-cache pages allocated
    std::map<std::uint64_t, std::uint8_t> bytes;  // non-zero bytes
    int refs = 0;                                 // open fds + mappings
  };
  struct Fd {
    long object = 0;
    bool read = false;
    bool write = false;
  };
  struct Map {
    long object = 0;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    bool read = false;
    bool write = false;
    bool shared = false;
    bool may_write = false;  // shared + fd writable: counts against F_SEAL_WRITE
    std::map<std::uint64_t, std::map<std::uint64_t, std::uint8_t>> cow;  // page → its private bytes
  };

  Outcome open_existing(long object, int oflag, const PosixCaller& who);
  [[nodiscard]] bool permitted(const Object& o, bool read, bool write, const PosixCaller& who) const;
  [[nodiscard]] bool faults(const Map& m, std::uint64_t at) const;
  [[nodiscard]] std::uint8_t object_byte(const Object& o, std::uint64_t offset) const;
  bool allocate(Object& o, std::uint64_t page);  // false when the tmpfs is full
  void truncate(long id, std::uint64_t size);
  void release(long object);
  long new_fd(long object, bool read, bool write);

  PosixLimits limits_;
  std::map<long, Object> objects_;
  std::map<std::string, long> names_;  // linked name (slashes stripped) → object
  std::map<long, Fd> fds_;
  std::map<long, Map> maps_;
  std::uint64_t pages_used_ = 0;
  long next_object_ = 0;
  long next_fd_ = 0;
  long next_map_ = 0;
  long dot_ = -1, dotdot_ = -1;  // the directories "." and ".." once opened
};

}  // namespace shmh::model
