#include "core/model/posix_model.h"

#include <fcntl.h>
#include <linux/memfd.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace shmh::model {
namespace {

constexpr unsigned kSealSeal = 0x01, kSealShrink = 0x02, kSealGrow = 0x04, kSealWrite = 0x08, kSealFutureWrite = 0x10,
                   kAllSeals = 0x3f;
constexpr unsigned kMemfdFlags = MFD_CLOEXEC | MFD_ALLOW_SEALING | kMfdNoexecSeal | kMfdExec;
constexpr std::size_t kMemfdNameMax = NAME_MAX - 6;  // "memfd:" is prepended

std::string c_string(const std::string& s) { return s.substr(0, s.find('\0')); }

// glibc 2.36's __shm_get_name: 0 and the name under /dev/shm, or the errno. Its buffer has room
// for a "sem." prefix, so names of NAME_MAX+1 to NAME_MAX+4 bytes pass here and the kernel refuses
// them (ENAMETOOLONG); longer ones overflow the buffer, which glibc reports as EINVAL.
int shm_name(const std::string& raw, std::string* out) {
  std::string name = c_string(raw);
  name.erase(0, name.find_first_not_of('/') == std::string::npos ? name.size() : name.find_first_not_of('/'));
  if (name.empty() || name.find('/') != std::string::npos) return EINVAL;
  if (name.size() > NAME_MAX + 4) return EINVAL;
  *out = name;
  return 0;
}

Outcome fail(int err) { return {0, err}; }

}  // namespace

long PosixModel::new_fd(long object, bool read, bool write) {
  const long fd = next_fd_++;
  fds_[fd] = {.object = object, .read = read, .write = write};
  ++objects_[object].refs;
  return fd;
}

bool PosixModel::permitted(const Object& o, bool read, bool write, const PosixCaller& who) const {
  if (who.privileged) return true;
  unsigned bits = o.mode & 07;
  if (who.uid == o.uid) {
    bits = (o.mode >> 6) & 07;
  } else if (who.gid == o.gid || std::find(who.groups.begin(), who.groups.end(), o.gid) != who.groups.end()) {
    bits = (o.mode >> 3) & 07;
  }
  return (!read || (bits & 04) != 0) && (!write || (bits & 02) != 0);
}

Outcome PosixModel::shm_open(const std::string& raw_name, int oflag, mode_t mode, const PosixCaller& who) {
  std::string name;
  if (const int err = shm_name(raw_name, &name); err != 0) return fail(err);
#if !defined(SHMH_PLANTED_DEVIATION_POSIX_NAMES)          // test-only (tests/cli conform): no ENAMETOOLONG
  if (name.size() > NAME_MAX) return fail(ENAMETOOLONG);  // the kernel's limit on a path component
#endif
  const int acc = oflag & O_ACCMODE;
  const bool want_read = acc == O_RDONLY || acc == O_RDWR;
#if defined(SHMH_PLANTED_DEVIATION_POSIX_SHM_OPEN)  // test-only (tests/cli conform): O_TRUNC unchecked
  const bool want_write = acc == O_WRONLY || acc == O_RDWR;
#else
  const bool want_write = acc == O_WRONLY || acc == O_RDWR || (oflag & O_TRUNC) != 0;
#endif
  const bool create = (oflag & O_CREAT) != 0;

  if (name == "." || name == "..") {  // /dev/shm itself and /dev: directories
    // The kernel says EEXIST or EISDIR; glibc's shm_open reports EISDIR as EINVAL.
    if (create) return fail((oflag & O_EXCL) != 0 ? EEXIST : EINVAL);
    if (want_write) return fail(EINVAL);
    long& dir = name == "." ? dot_ : dotdot_;
    if (dir < 0) {
      dir = next_object_++;
      objects_[dir] = {.directory = true, .mode = name == "." ? 01777U : 0755U};
    }
    return {new_fd(dir, true, false), 0};
  }

  if (auto it = names_.find(name); it != names_.end()) {
    Object& o = objects_[it->second];
    if (create && (oflag & O_EXCL) != 0) return fail(EEXIST);
    // may_create_in_sticky: /dev/shm is sticky, world-writable and root's.
    if (create && limits_.protected_regular >= 1 && o.uid != 0 && o.uid != who.uid) return fail(EACCES);
    if (!permitted(o, want_read, want_write, who)) return fail(EACCES);
    if ((oflag & O_TRUNC) != 0) truncate(it->second, 0);
    return {new_fd(it->second, want_read, acc == O_WRONLY || acc == O_RDWR), 0};
  }
  if (!create) return fail(ENOENT);
  // A file the call creates is not permission-checked: the fd has the access asked for.
  const long id = next_object_++;
  objects_[id] = {
      .name = name, .uid = who.uid, .gid = who.gid, .mode = mode & 0777 & ~limits_.umask, .seals = kSealSeal};
  names_[name] = id;
  return {new_fd(id, want_read, acc == O_WRONLY || acc == O_RDWR), 0};
}

Outcome PosixModel::shm_unlink(const std::string& raw_name, const PosixCaller& who) {
  std::string name;
  if (shm_name(raw_name, &name) != 0) return fail(ENOENT);  // glibc: a name it refuses is ENOENT here
  if (name.size() > NAME_MAX) return fail(ENAMETOOLONG);
  if (name == "." || name == "..") return fail(EISDIR);
  auto it = names_.find(name);
  if (it == names_.end()) return fail(ENOENT);
  Object& o = objects_[it->second];
  // Sticky directory owned by root: only the file's owner (or CAP_FOWNER) may remove it. glibc
  // reports the kernel's EPERM as EACCES.
  if (!who.privileged && who.uid != o.uid && who.uid != 0) return fail(EACCES);
  const long id = it->second;
  names_.erase(it);
  o.name.clear();
  if (o.refs == 0) release(id);
  return {};
}

Outcome PosixModel::memfd_create(const std::string& raw_name, unsigned flags, const PosixCaller& who) {
  // Before Linux 6.3 (commit 105ff5339f49) MFD_EXEC and MFD_NOEXEC_SEAL were unknown flags.
  const unsigned known = limits_.memfd_exec ? kMemfdFlags : kMemfdFlags & ~(kMfdExec | kMfdNoexecSeal);
  if ((flags & ~known) != 0) return fail(EINVAL);
  if ((flags & kMfdExec) != 0 && (flags & kMfdNoexecSeal) != 0) return fail(EINVAL);
  if (c_string(raw_name).size() > kMemfdNameMax) return fail(EINVAL);
  const long id = next_object_++;
  Object o{.memfd = true, .uid = who.uid, .gid = who.gid, .mode = 0777, .seals = kSealSeal};
  if ((flags & kMfdNoexecSeal) != 0) {
    o.mode &= ~0111U;
    o.seals = kSealExec;
  } else if ((flags & MFD_ALLOW_SEALING) != 0) {
    o.seals = 0;
  }
  objects_[id] = o;
  return {new_fd(id, true, true), 0};
}

void PosixModel::release(long id) {
  auto it = objects_.find(id);
  if (it == objects_.end() || it->second.directory) return;
  Object& o = it->second;
  if (o.refs > 0 || !o.name.empty()) return;
  if (!o.memfd) pages_used_ -= o.pages.size();
  objects_.erase(it);
}

Outcome PosixModel::close(long fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF);
  const long id = it->second.object;
  fds_.erase(it);
  --objects_[id].refs;
  release(id);
  return {};
}

void PosixModel::truncate(long id, std::uint64_t size) {
  Object& o = objects_.at(id);
  if (size < o.size) {
    o.bytes.erase(o.bytes.lower_bound(size), o.bytes.end());
    const std::uint64_t keep_pages = (size + limits_.page_size - 1) / limits_.page_size;
    for (auto p = o.pages.lower_bound(keep_pages); p != o.pages.end();) {
      p = o.pages.erase(p);
      if (!o.memfd) --pages_used_;
    }
    // Truncation also unmaps private copies of the pages it removes.
    for (auto& [handle, m] : maps_) {
      if (m.object != id || m.shared) continue;
#if !defined(SHMH_PLANTED_BUG_MODEL_COW_TRUNCATE)  // test-only (fuzz/planted-bug.sh): private copies kept
      m.cow.erase(m.cow.lower_bound(keep_pages), m.cow.end());
#endif
    }
  }
  o.size = size;
}

Outcome PosixModel::ftruncate(long fd, std::int64_t length) {
  if (length < 0) return fail(EINVAL);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF);
  const Object& o = objects_.at(it->second.object);
#if !defined(SHMH_PLANTED_DEVIATION_POSIX_SIZE)  // test-only (tests/cli conform): read-only fds truncate
  if (o.directory || !it->second.write) return fail(EINVAL);
#endif
  const auto size = static_cast<std::uint64_t>(length);
  if ((size < o.size && (o.seals & kSealShrink) != 0) || (size > o.size && (o.seals & kSealGrow) != 0)) {
    return fail(EPERM);
  }
  truncate(it->second.object, size);
  return {};
}

Outcome PosixModel::add_seals(long fd, unsigned seals) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF);
  const long id = it->second.object;
  Object& o = objects_[id];
  if (!it->second.write) return fail(EPERM);
  const unsigned known = limits_.memfd_exec ? kAllSeals : kAllSeals & ~kSealExec;  // F_SEAL_EXEC: 6.3
  if ((seals & ~known) != 0 || o.directory) return fail(EINVAL);
  if ((o.seals & kSealSeal) != 0) return fail(EPERM);
  // F_SEAL_EXEC on an executable memfd implies the write seals (W^X from then on), and so the
  // EBUSY of F_SEAL_WRITE while a shared mapping may write.
  if ((seals & kSealExec) != 0 && (o.mode & 0111) != 0) {
    seals |= kSealShrink | kSealGrow | kSealWrite | kSealFutureWrite;
  }
#if defined(SHMH_PLANTED_DEVIATION_MEMFD_SEALS)  // test-only (tests/cli conform): mappings ignored
  if (false) {
#else
  if ((seals & kSealWrite) != 0 && (o.seals & kSealWrite) == 0) {
#endif
    for (const auto& [handle, m] : maps_) {
      if (m.object == id && m.may_write) return fail(EBUSY);
    }
  }
  o.seals |= seals;
  return {};
}

// fdget, vfs_fallocate then shmem_fallocate: EBADF, EINVAL, EBADF (not writable), F_SEAL_GROW, then the blocks
// (a failure gives back what this call allocated).
Outcome PosixModel::fallocate(long fd, std::uint64_t offset, std::uint64_t length) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF);
  if (length == 0) return fail(EINVAL);
  if (!it->second.write) return fail(EBADF);
  Object& o = objects_[it->second.object];
  if ((o.seals & kSealGrow) != 0 && offset + length > o.size) return fail(EPERM);
  std::uint64_t needed = 0;
  const std::uint64_t first = offset / limits_.page_size;
  const std::uint64_t end = (offset + length + limits_.page_size - 1) / limits_.page_size;
  for (std::uint64_t p = first; p < end; ++p) needed += o.pages.count(p) == 0 ? 1U : 0U;
  if (!o.memfd && pages_used_ + needed > limits_.tmpfs_pages) return fail(ENOSPC);
  for (std::uint64_t p = first; p < end; ++p) allocate(o, p);
  o.size = std::max(o.size, offset + length);
  return {};
}

// notify_change: only the owner (or CAP_FOWNER) may; then shmem_setattr's F_SEAL_EXEC check.
Outcome PosixModel::fchmod(long fd, unsigned mode, const PosixCaller& who) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF);
  Object& o = objects_[it->second.object];
  if (!who.privileged && who.uid != o.uid) return fail(EPERM);
  if ((o.seals & kSealExec) != 0 && ((o.mode ^ mode) & 0111) != 0) return fail(EPERM);
  o.mode = mode & 0777;
  return {};
}

bool PosixModel::allocate(Object& o, std::uint64_t page) {
  if (o.pages.count(page) != 0) return true;
  if (o.memfd) {  // memfds live on the kernel's internal tmpfs: no size= limit
    o.pages.insert(page);
    return true;
  }
  if (pages_used_ >= limits_.tmpfs_pages) return false;
  o.pages.insert(page);
  ++pages_used_;
  return true;
}

Outcome PosixModel::pwrite(long fd, std::uint64_t offset, std::size_t len, std::uint8_t byte) {
  auto it = fds_.find(fd);
  if (it == fds_.end() || !it->second.write) return fail(EBADF);
  Object& o = objects_[it->second.object];
  if ((o.seals & (kSealWrite | kSealFutureWrite)) != 0) return fail(EPERM);
  if ((o.seals & kSealGrow) != 0 && offset + len > o.size) return fail(EPERM);
  std::size_t written = 0;
  while (written < len) {
    const std::uint64_t at = offset + written;
    if (!allocate(o, at / limits_.page_size)) break;
    const std::uint64_t page_end = (at / limits_.page_size + 1) * limits_.page_size;
    const std::size_t n = std::min<std::uint64_t>(len - written, page_end - at);
    for (std::size_t i = 0; i < n; ++i) {
      if (byte != 0) {
        o.bytes[at + i] = byte;
      } else {
        o.bytes.erase(at + i);
      }
    }
    written += n;
  }
  if (written == 0) return fail(ENOSPC);
  o.size = std::max<std::uint64_t>(o.size, offset + written);
  return {static_cast<long>(written), 0};
}

Outcome PosixModel::mmap(long fd, std::uint64_t length, std::uint64_t offset, int prot, int flags) {
  if (offset % limits_.page_size != 0) return fail(EINVAL);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF);
  if (length == 0) return fail(EINVAL);
  const int type = flags & MAP_TYPE;
  if (type != MAP_SHARED && type != MAP_PRIVATE) return fail(EINVAL);
  const bool shared = type == MAP_SHARED;
  const bool write = (prot & PROT_WRITE) != 0;
  if (shared && write && !it->second.write) return fail(EACCES);
#if defined(SHMH_PLANTED_DEVIATION_POSIX_MMAP)  // test-only (tests/cli conform): private needs write too
  if (write && !it->second.write) return fail(EACCES);
#endif
  if (!it->second.read) return fail(EACCES);
  const long id = it->second.object;
  Object& o = objects_[id];
  if (o.directory) return fail(ENODEV);
  const bool sealed = (o.seals & (kSealWrite | kSealFutureWrite)) != 0;
  if (shared && write && sealed) return fail(EPERM);
  const long handle = next_map_++;
  maps_[handle] = {.object = id,
                   .offset = offset,
                   .length = (length + limits_.page_size - 1) / limits_.page_size * limits_.page_size,
                   .read = prot != PROT_NONE,
                   .write = write,
                   .shared = shared,
                   .may_write = shared && it->second.write && !sealed};
  ++o.refs;
  return {handle, 0};
}

Outcome PosixModel::munmap(long map) {
  auto it = maps_.find(map);
  if (it == maps_.end()) return fail(EINVAL);
  const long id = it->second.object;
  maps_.erase(it);
  --objects_[id].refs;
  release(id);
  return {};
}

bool PosixModel::faults(const Map& m, std::uint64_t at) const {
  if (at >= m.length) return true;
  const Object& o = objects_.at(m.object);
  const std::uint64_t page = (m.offset + at) / limits_.page_size;
  if (page >= (o.size + limits_.page_size - 1) / limits_.page_size) return true;      // SIGBUS past the end
  if (!m.shared && m.cow.count(page) != 0) return false;                              // its own copy
  return !o.memfd && o.pages.count(page) == 0 && pages_used_ >= limits_.tmpfs_pages;  // SIGBUS: tmpfs full
}

bool PosixModel::store_faults(long map, std::uint64_t at) const {
  auto it = maps_.find(map);
  return it == maps_.end() || !it->second.write || faults(it->second, at);
}

bool PosixModel::load_faults(long map, std::uint64_t at) const {
  auto it = maps_.find(map);
  return it == maps_.end() || !it->second.read || faults(it->second, at);
}

std::uint8_t PosixModel::object_byte(const Object& o, std::uint64_t offset) const {
  auto b = o.bytes.find(offset);
  return b == o.bytes.end() ? 0 : b->second;
}

void PosixModel::store(long map, std::uint64_t at, std::uint8_t byte) {
  Map& m = maps_.at(map);
  Object& o = objects_.at(m.object);
  const std::uint64_t offset = m.offset + at;
  const std::uint64_t page = offset / limits_.page_size;
  if (m.shared) {
    allocate(o, page);
    if (byte != 0) {
      o.bytes[offset] = byte;
    } else {
      o.bytes.erase(offset);
    }
    return;
  }
  auto copy = m.cow.find(page);
  if (copy == m.cow.end()) {  // copy-on-write: the fault reads the file's page, then copies it
    allocate(o, page);
    std::map<std::uint64_t, std::uint8_t> bytes(o.bytes.lower_bound(page * limits_.page_size),
                                                o.bytes.lower_bound((page + 1) * limits_.page_size));
    copy = m.cow.emplace(page, std::move(bytes)).first;
  }
  copy->second[offset] = byte;
}

std::uint8_t PosixModel::load(long map, std::uint64_t at) {
  Map& m = maps_.at(map);
  Object& o = objects_.at(m.object);
  const std::uint64_t offset = m.offset + at;
  const std::uint64_t page = offset / limits_.page_size;
  if (!m.shared) {
    if (auto copy = m.cow.find(page); copy != m.cow.end()) {
      auto b = copy->second.find(offset);
      return b == copy->second.end() ? 0 : b->second;
    }
  }
  allocate(o, page);
  return object_byte(o, offset);
}

std::string PosixModel::file_bytes(long fd, std::uint64_t count) const {
  const Object& o = objects_.at(fds_.at(fd).object);
  std::string out(count, '\0');
  for (auto b = o.bytes.begin(); b != o.bytes.end() && b->first < count; ++b) {
    out[b->first] = static_cast<char>(b->second);
  }
  return out;
}

Outcome PosixModel::reopen(long fd, int oflag, const PosixCaller& who) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(ENOENT);
  const long id = it->second.object;
  const int acc = oflag & O_ACCMODE;
  const bool want_read = acc == O_RDONLY || acc == O_RDWR;
  const bool want_write = acc == O_WRONLY || acc == O_RDWR || (oflag & O_TRUNC) != 0;
  const Object& o = objects_.at(id);
  if (o.directory) {
    if (want_write) return fail(EISDIR);
    return {new_fd(id, true, false), 0};
  }
  if (!permitted(o, want_read, want_write, who)) return fail(EACCES);
  if ((oflag & O_TRUNC) != 0) {
    if ((o.seals & kSealShrink) != 0 && o.size != 0) return fail(EPERM);  // shmem_setattr
    truncate(id, 0);
  }
  return {new_fd(id, want_read, acc == O_WRONLY || acc == O_RDWR), 0};
}

std::uint64_t PosixModel::size_of(long fd) const {
  auto it = fds_.find(fd);
  return it == fds_.end() ? 0 : objects_.at(it->second.object).size;
}

bool PosixModel::is_directory(long fd) const {
  auto it = fds_.find(fd);
  return it != fds_.end() && objects_.at(it->second.object).directory;
}

bool PosixModel::readable(long fd) const {
  auto it = fds_.find(fd);
  return it != fds_.end() && it->second.read;
}

std::optional<PosixObjectState> PosixModel::state(long fd) const {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return std::nullopt;
  const Object& o = objects_.at(it->second.object);
  return PosixObjectState{.directory = o.directory,
                          .size = o.size,
                          .mode = o.mode,
                          .uid = o.uid,
                          .gid = o.gid,
                          .nlink = o.name.empty() ? 0U : 1U,
                          .seals = o.seals,
                          .pages = o.pages.size()};
}

std::vector<std::string> PosixModel::linked_names() const {
  std::vector<std::string> out;
  out.reserve(names_.size());
  for (const auto& [name, id] : names_) out.push_back("/" + name);
  return out;
}

}  // namespace shmh::model
