#include "tests/support/test_support.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

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

}  // namespace shmh::test
