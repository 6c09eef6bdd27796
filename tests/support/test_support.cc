#include "tests/support/test_support.h"

#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <sstream>

#include "core/sys/sys.h"

namespace shmh::test {

ChildExit run_child(const ChildProcess::Body& body) {
  auto child = ChildProcess::spawn(body);
  if (!child) return ChildExit{.code = 99, .signal = 0, .message = child.error().message()};
  auto exit = child->wait(std::chrono::milliseconds(60'000));
  if (!exit) return ChildExit{.code = 98, .signal = 0, .message = exit.error().message()};
  return *exit;
}

ChildExit run_as_other_user(const ChildProcess::Body& body) {
  return run_child([&body]() -> ChildReport {
    if (auto r = sys::become_user(kOtherUid, kOtherGid); !r) return "cannot drop privileges: " + r.error().message();
    return body();
  });
}

void die_of_signal_by_default(int sig) {
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  ::sigaction(sig, &sa, nullptr);
}

bool is_root() { return ::geteuid() == 0; }

ScopedShmLimit::ScopedShmLimit(const std::string& name, std::uint64_t value) : path_("/proc/sys/kernel/" + name) {
  auto old = sys::read_file(path_);
  if (!old) {
    ADD_FAILURE() << old.error().message();
    return;
  }
  saved_ = *old;
  if (auto r = sys::write_file(path_, std::to_string(value)); !r) ADD_FAILURE() << r.error().message();
}

ScopedShmLimit::~ScopedShmLimit() {
  if (!saved_.empty()) (void)sys::write_file(path_, saved_);
}

namespace {
Result<void> remount_dev_shm(std::uint64_t bytes) {
  return sys::mount(nullptr, "/dev/shm", nullptr, MS_REMOUNT | MS_NOSUID | MS_NODEV, "size=" + std::to_string(bytes));
}
}  // namespace

ScopedDevShmSize::ScopedDevShmSize(std::uint64_t bytes) {
  struct statvfs st {};
  if (::statvfs("/dev/shm", &st) != 0) {
    ADD_FAILURE() << "statvfs /dev/shm: " << errno_name(errno);
    return;
  }
  saved_ = static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize;
  if (auto r = remount_dev_shm(bytes); !r) ADD_FAILURE() << r.error().message();
}

ScopedDevShmSize::~ScopedDevShmSize() {
  if (saved_ != 0) (void)remount_dev_shm(saved_);
}

void wait_until_sleeping(pid_t pid) {
  for (;;) {
    auto stat = sys::read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return;
    // "pid (comm) S ...": the state follows the last ')' (comm may hold spaces and parentheses).
    const auto close = stat->rfind(')');
    if (close == std::string::npos || close + 2 >= stat->size()) return;
    const char state = (*stat)[close + 2];
    if (state == 'S' || state == 'Z' || state == 'X') return;
    ::usleep(200);  // polling a condition, not waiting for time
  }
}

std::uint64_t meminfo_shmem_bytes() {
  auto text = sys::read_file("/proc/meminfo");
  if (!text) return 0;
  std::istringstream in(*text);
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib) {
    if (key == "Shmem:") return kib * 1024;
    std::getline(in, unit);
  }
  return 0;
}

ProgramRun run_program(const std::string& path, const std::vector<std::string>& args) {
  ProgramRun run;
  auto out = sys::pipe();
  auto err = sys::pipe();
  if (!out || !err) return run;
  std::vector<char*> argv{const_cast<char*>(path.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out->write, 1);
    ::dup2(err->write, 2);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  sys::close(out->write);
  sys::close(err->write);
  // Both pipes drained as they fill: a chatty stderr must not block the program on a full pipe.
  pollfd fds[2] = {{.fd = out->read, .events = POLLIN, .revents = 0},
                   {.fd = err->read, .events = POLLIN, .revents = 0}};
  std::string* into[2] = {&run.out, &run.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        into[i]->append(buf, static_cast<std::size_t>(n));
      } else {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  sys::close(out->read);
  sys::close(err->read);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

}  // namespace shmh::test
