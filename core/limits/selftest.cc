#include "core/limits/selftest.h"

#include <linux/capability.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <functional>

#include "core/sandbox/sandbox.h"
#include "core/segment/posix_segment.h"
#include "core/segment/sysv_segment.h"
#include "core/sys/sys.h"

namespace shmh {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// "" when `r` failed with `err`; otherwise what happened.
template <class T>
std::string expect_errno(const Result<T>& r, int err, const std::string& what) {
  if (r.ok()) return what + " succeeded";
  if (r.error().err != err) return what + ": " + r.error().message();
  return "";
}

template <class T>
std::string expect_ok(const Result<T>& r, const std::string& what) {
  return r.ok() ? "" : what + ": " + r.error().message();
}

// Drops every capability of this process (capset with empty sets), so CAP_IPC_LOCK no longer
// bypasses RLIMIT_MEMLOCK — as root or as root of a user namespace alike.
bool drop_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  return ::syscall(SYS_capset, &header, data) == 0;
}

struct Check {
  const char* limit;
  const char* expected;
  SandboxLimits limits;
  std::function<std::string()> body;  // "" = enforced as documented
};

std::string check_shmmax() {
  std::string bad = expect_ok(SysvSegment::create({.size = kMiB}), "1 MiB segment");
  bad += expect_errno(SysvSegment::create({.size = kMiB + 1}), EINVAL, "1 MiB + 1 byte segment");
  return bad;
}

std::string check_shmmni() {
  std::vector<SysvSegment> segs;
  for (int i = 0; i < 4; ++i) {
    auto s = SysvSegment::create({.size = 4096});
    if (!s) return "segment " + std::to_string(i + 1) + " of 4: " + s.error().message();
    segs.push_back(std::move(*s));
  }
  return expect_errno(SysvSegment::create({.size = 4096}), ENOSPC, "5th segment");
}

std::string check_shmall() {
  const std::size_t page = sys::page_size();
  auto a = SysvSegment::create({.size = 16 * page});
  if (!a) return "16 pages: " + a.error().message();
  return expect_errno(SysvSegment::create({.size = 1}), ENOSPC, "one page more");
}

std::string check_dev_shm() {
  const std::size_t page = sys::page_size();
  auto full = PosixSegment::create({.name = "/selftest-full", .size = kMiB});
  if (!full) return full.error().message();
  if (auto r = full->allocate(0, kMiB); !r) return "reserving exactly 1 MiB: " + r.error().message();
  auto more = PosixSegment::create({.name = "/selftest-more", .size = page});
  if (!more) return more.error().message();
  if (auto bad = expect_errno(more->allocate(0, page), ENOSPC, "one page more"); !bad.empty()) return bad;
  // Touching an unreserved page of a full tmpfs must raise SIGBUS (in a child: it dies of it).
  auto map = more->map();
  if (!map) return map.error().message();
  auto child = ChildProcess::spawn([&]() -> ChildReport {
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    ::sigaction(SIGBUS, &sa, nullptr);
    volatile std::byte* p = map->data();
    *p = std::byte{1};
    return "touching a page of a full tmpfs did not raise SIGBUS";
  });
  if (!child) return child.error().message();
  auto exit = child->wait(std::chrono::milliseconds(10'000));
  if (!exit) return exit.error().message();
  return exit->signal == SIGBUS ? "" : "touch past a full tmpfs: " + exit->describe();
}

std::string check_memlock() {
  if (!drop_capabilities()) return "capset: cannot drop CAP_IPC_LOCK";
  const std::size_t page = sys::page_size();
  auto seg = SysvSegment::create({.size = 16 * page});
  if (!seg) return seg.error().message();
  auto lim = sys::getrlimit(RLIMIT_MEMLOCK);
  if (!lim) return lim.error().message();
  if (auto r = sys::setrlimit(RLIMIT_MEMLOCK, {0, lim->rlim_max}); !r) return r.error().message();
  std::string bad = expect_errno(seg->lock(), EPERM, "SHM_LOCK with RLIMIT_MEMLOCK 0");
  if (lim->rlim_max < 4 * page) return bad + "hard RLIMIT_MEMLOCK below 4 pages: cannot test ENOMEM";
  if (auto r = sys::setrlimit(RLIMIT_MEMLOCK, {4 * page, lim->rlim_max}); !r) return r.error().message();
  bad += expect_errno(seg->lock(), ENOMEM, "SHM_LOCK of 16 pages with RLIMIT_MEMLOCK of 4");
  return bad;
}

}  // namespace

Result<std::vector<SelftestLine>> run_selftest() {
  const Check checks[] = {
      {"shmmax", "1 MiB segment ok, 1 MiB + 1 byte → EINVAL", {.shmmax = kMiB}, check_shmmax},
      {"shmmni", "4 segments ok, the 5th → ENOSPC", {.shmmni = 4}, check_shmmni},
      {"shmall", "16 pages ok, one page more → ENOSPC", {.shmall = 16}, check_shmall},
      {"dev-shm",
       "1 MiB tmpfs: 1 MiB ok, one page more → ENOSPC, touching it → SIGBUS",
       {.dev_shm_bytes = kMiB},
       check_dev_shm},
      {"memlock", "no CAP_IPC_LOCK: RLIMIT_MEMLOCK 0 → EPERM, 4 pages < 16 → ENOMEM", {}, check_memlock},
  };
  std::vector<SelftestLine> out;
  for (const auto& c : checks) {
    auto child = spawn_sandboxed(c.limits, [&c]() -> ChildReport {
      const std::string bad = c.body();
      return bad.empty() ? ChildReport{} : ChildReport{1, bad};
    });
    if (!child) return child.error();
    auto exit = child->wait(std::chrono::milliseconds(30'000));
    if (!exit) return exit.error();
    if (exit->code == kSandboxUnavailableExit) return logic_error("selftest", exit->message);
    out.push_back({c.limit, exit->ok(), c.expected, exit->ok() ? "as documented" : exit->describe()});
  }
  return out;
}

}  // namespace shmh
