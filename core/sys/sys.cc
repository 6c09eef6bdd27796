#include "core/sys/sys.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

namespace shmh::sys {
namespace {

// Retries a call that failed with EINTR (a signal arrived before it did anything).
template <class F>
auto retry_eintr(F f) {
  auto r = f();
  while (r == -1 && errno == EINTR) r = f();
  return r;
}

}  // namespace

Result<int> shmget(key_t key, std::size_t size, int shmflg) {
  const int id = ::shmget(key, size, shmflg);
  if (id == -1) return sys_error(errno, "shmget");
  return id;
}

Result<void*> shmat(int shmid, const void* addr, int shmflg) {
  void* p = ::shmat(shmid, addr, shmflg);
  if (p == reinterpret_cast<void*>(-1)) return sys_error(errno, "shmat");  // NOLINT(performance-no-int-to-ptr)
  return p;
}

Result<void> shmdt(const void* addr) {
  if (::shmdt(addr) == -1) return sys_error(errno, "shmdt");
  return {};
}

Result<int> shmctl(int shmid, int cmd, struct shmid_ds* buf) {
  const int r = ::shmctl(shmid, cmd, buf);
  if (r == -1) return sys_error(errno, "shmctl");
  return r;
}

Result<int> shm_open(const std::string& name, int oflag, mode_t mode) {
  const int fd = retry_eintr([&] { return ::shm_open(name.c_str(), oflag | O_CLOEXEC, mode); });
  if (fd == -1) return sys_error(errno, "shm_open", name);
  return fd;
}

Result<void> shm_unlink(const std::string& name) {
  if (::shm_unlink(name.c_str()) == -1) return sys_error(errno, "shm_unlink", name);
  return {};
}

Result<int> memfd_create(const std::string& name, unsigned int flags) {
  const int fd = ::memfd_create(name.c_str(), flags);
  if (fd == -1) return sys_error(errno, "memfd_create", name);
  return fd;
}

Result<void> add_seals(int fd, int seals) {
  if (::fcntl(fd, F_ADD_SEALS, seals) == -1) return sys_error(errno, "fcntl(F_ADD_SEALS)");
  return {};
}

Result<int> get_seals(int fd) {
  const int s = ::fcntl(fd, F_GET_SEALS);
  if (s == -1) return sys_error(errno, "fcntl(F_GET_SEALS)");
  return s;
}

Result<std::size_t> pread(int fd, void* buf, std::size_t count, off_t offset) {
  const ssize_t n = retry_eintr([&] { return ::pread(fd, buf, count, offset); });
  if (n == -1) return sys_error(errno, "pread");
  return static_cast<std::size_t>(n);
}

Result<std::size_t> pwrite(int fd, const void* buf, std::size_t count, off_t offset) {
  const ssize_t n = retry_eintr([&] { return ::pwrite(fd, buf, count, offset); });
  if (n == -1) return sys_error(errno, "pwrite");
  return static_cast<std::size_t>(n);
}

Result<std::uint64_t> fs_used_bytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) == -1) return sys_error(errno, "statvfs", path);
  return static_cast<std::uint64_t>(st.f_blocks - st.f_bfree) * st.f_frsize;
}

uid_t set_fs_ids(uid_t uid, gid_t gid) noexcept {
  ::setfsgid(gid);
  return static_cast<uid_t>(::setfsuid(uid));
}

std::vector<gid_t> supplementary_groups() {
  const int n = ::getgroups(0, nullptr);
  std::vector<gid_t> groups(n > 0 ? static_cast<std::size_t>(n) : 0);
  if (n > 0 && ::getgroups(n, groups.data()) != n) groups.clear();
  return groups;
}

mode_t set_umask(mode_t mask) noexcept { return ::umask(mask); }

Result<void> ftruncate(int fd, off_t length) {
  if (retry_eintr([&] { return ::ftruncate(fd, length); }) == -1) return sys_error(errno, "ftruncate");
  return {};
}

Result<void> fallocate(int fd, off_t offset, off_t length) {
  // posix_fallocate returns the error number instead of setting errno.
  int err = 0;
  do {
    err = ::posix_fallocate(fd, offset, length);
  } while (err == EINTR);
  if (err != 0) return sys_error(err, "posix_fallocate");
  return {};
}

Result<struct stat> fstat(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) == -1) return sys_error(errno, "fstat");
  return st;
}

Result<void> fchmod(int fd, mode_t mode) {
  if (::fchmod(fd, mode) == -1) return sys_error(errno, "fchmod");
  return {};
}

Result<int> open(const std::string& path, int oflag, mode_t mode) {
  const int fd = retry_eintr([&] { return ::open(path.c_str(), oflag | O_CLOEXEC, mode); });
  if (fd == -1) return sys_error(errno, "open", path);
  return fd;
}

void close(int fd) noexcept { ::close(fd); }

Result<void*> mmap(void* addr, std::size_t length, int prot, int flags, int fd, off_t offset) {
  void* p = ::mmap(addr, length, prot, flags, fd, offset);
  if (p == MAP_FAILED) return sys_error(errno, "mmap");
  return p;
}

Result<void> munmap(void* addr, std::size_t length) {
  if (::munmap(addr, length) == -1) return sys_error(errno, "munmap");
  return {};
}

Result<void> madvise(void* addr, std::size_t length, int advice) {
  if (::madvise(addr, length, advice) == -1) return sys_error(errno, "madvise");
  return {};
}

Result<void> unshare(int flags) {
  if (::unshare(flags) == -1) return sys_error(errno, "unshare");
  return {};
}

Result<void> mount(const char* source, const char* target, const char* fstype, unsigned long flags,
                   const std::string& data) {
  if (::mount(source, target, fstype, flags, data.empty() ? nullptr : data.c_str()) == -1) {
    return sys_error(errno, "mount", target);
  }
  return {};
}

Result<std::string> read_file(const std::string& path) {
  auto opened = open(path, O_RDONLY);
  if (!opened) return opened.error();
  const int fd = *opened;
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = retry_eintr([&] { return ::read(fd, buf, sizeof buf); });
    if (n == -1) {
      const int err = errno;
      ::close(fd);
      return sys_error(err, "read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<void> write_file(const std::string& path, const std::string& contents) {
  auto opened = open(path, O_WRONLY);
  if (!opened) return opened.error();
  const int fd = *opened;
  auto written = write_all(fd, contents);
  ::close(fd);
  if (!written) return sys_error(written.error().err, "write", path + " <- " + contents);
  return {};
}

Result<struct rlimit> getrlimit(int resource) {
  struct rlimit lim {};
  if (::getrlimit(resource, &lim) == -1) return sys_error(errno, "getrlimit");
  return lim;
}

Result<void> setrlimit(int resource, const struct rlimit& limit) {
  if (::setrlimit(resource, &limit) == -1) return sys_error(errno, "setrlimit");
  return {};
}

Result<PipeFds> pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) == -1) return sys_error(errno, "pipe2");
  return PipeFds{fds[0], fds[1]};
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = retry_eintr([&] { return ::write(fd, data.data(), data.size()); });
    if (n == -1) return sys_error(errno, "write");
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

std::string read_available(int fd, std::size_t limit) {
  (void)::fcntl(fd, F_SETFL, O_NONBLOCK);
  std::string out;
  char buf[4096];
  while (out.size() < limit) {
    const ssize_t n = retry_eintr([&] { return ::read(fd, buf, std::min(sizeof buf, limit - out.size())); });
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Result<bool> poll_readable(int fd, int timeout_ms) {
  struct pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
  const int r = retry_eintr([&] { return ::poll(&pfd, 1, timeout_ms); });
  if (r == -1) return sys_error(errno, "poll");
  return r > 0;
}

Result<pid_t> fork() {
  const pid_t pid = ::fork();
  if (pid == -1) return sys_error(errno, "fork");
  return pid;
}

Result<void> kill(pid_t pid, int sig) {
  if (::kill(pid, sig) == -1) return sys_error(errno, "kill", "pid " + std::to_string(pid));
  return {};
}

Result<WaitStatus> waitpid(pid_t pid, int options) {
  int status = 0;
  const pid_t r = retry_eintr([&] { return ::waitpid(pid, &status, options); });
  if (r == -1) return sys_error(errno, "waitpid", "pid " + std::to_string(pid));
  return WaitStatus{r, status};
}

Result<int> pidfd_open(pid_t pid) {
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd == -1) return sys_error(errno, "pidfd_open", "pid " + std::to_string(pid));
  return static_cast<int>(fd);
}

Result<void> become_user(uid_t uid, gid_t gid) {
  if (::setgroups(0, nullptr) != 0) return sys_error(errno, "setgroups");
  if (::setgid(gid) != 0) return sys_error(errno, "setgid", std::to_string(gid));
  if (::setuid(uid) != 0) return sys_error(errno, "setuid", std::to_string(uid));
  ::prctl(PR_SET_DUMPABLE, 1);
  return {};
}

bool process_alive(pid_t pid) noexcept {
  if (pid <= 0) return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

std::size_t page_size() noexcept { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

}  // namespace shmh::sys
