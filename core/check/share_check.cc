#include "core/check/share_check.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <memory>
#include <optional>

#include "core/check/pattern.h"
#include "core/process/child_process.h"
#include "core/segment/memfd_segment.h"
#include "core/segment/posix_segment.h"
#include "core/segment/sysv_segment.h"
#include "core/segment/tag.h"
#include "core/sys/sys.h"
#include "core/units.h"

namespace shmh {
namespace {

// One segment of any backend, seen the way the check needs it: a fresh, independent mapping in
// whichever process calls map_here() (a new shmat, a new shm_open + mmap, a new open of the
// creator's memfd), and removal with proof that the object is gone.
struct SharedObject {
  std::function<Result<Mapping>()> map_here;
  std::function<Result<void>()> remove_and_verify;
};

Result<SharedObject> make_sysv(std::size_t size, bool tagged) {
  auto seg = tagged ? SysvSegment::create_tagged(size) : SysvSegment::create({.size = size});
  if (!seg) return seg.error();
  auto shared = std::make_shared<SysvSegment>(std::move(*seg));
  return SharedObject{[shared] { return shared->attach(); },
                      [shared]() -> Result<void> {
                        if (auto r = shared->remove(); !r) return r;
                        // Unattached now, so IPC_RMID destroyed it at once: the id must be invalid.
                        auto st = shared->stat();
                        if (st)
                          return logic_error("shmctl", "IPC_STAT still succeeds after IPC_RMID with no attachment");
                        if (st.error().err != EINVAL && st.error().err != EIDRM) return st.error();
                        return {};
                      }};
}

Result<SharedObject> make_posix(std::size_t size, bool tagged) {
  auto seg =
      tagged ? PosixSegment::create_tagged(size) : PosixSegment::create({.name = tagged_posix_name(), .size = size});
  if (!seg) return seg.error();
  // Reserve the memory now: a /dev/shm too small answers ENOSPC here, not SIGBUS in a child.
  if (auto r = seg->allocate(0, size); !r) {
    if (r.error().err != ENOSPC) return r.error();
    return sys_error(ENOSPC, "posix_fallocate",
                     "/dev/shm has no room for " + format_bytes(size) +
                         ": free space there (df /dev/shm) or enlarge it (mount -o remount,size=... /dev/shm)");
  }
  auto shared = std::make_shared<PosixSegment>(std::move(*seg));
  return SharedObject{[shared]() -> Result<Mapping> {
                        auto peer = PosixSegment::open(shared->name());
                        if (!peer) return peer.error();
                        return peer->map();  // the descriptor closes on return; the mapping stays
                      },
                      [shared]() -> Result<void> {
                        const std::string name = shared->name();
                        if (auto r = shared->remove(); !r) return r;
                        auto again = PosixSegment::open(name);
                        if (again) return logic_error("shm_open", name + " still opens after shm_unlink");
                        if (again.error().err != ENOENT) return again.error();
                        return {};
                      }};
}

Result<SharedObject> make_memfd(std::size_t size) {
  auto seg = MemfdSegment::create({.name = "shmh-share-check", .size = size});
  if (!seg) return seg.error();
  auto shared = std::make_shared<MemfdSegment>(std::move(*seg));
  const pid_t creator = ::getpid();
  return SharedObject{[shared, creator]() -> Result<Mapping> {
                        if (::getpid() == creator) return shared->map();
                        auto peer = MemfdSegment::open_peer(creator, shared->fd());
                        if (!peer) return peer.error();
                        return peer->map();
                      },
                      [shared]() -> Result<void> { return shared->remove(); }};
}

Result<SharedObject> make_object(Backend backend, std::size_t size, bool tagged) {
  switch (backend) {
    case Backend::kSysv:
      return make_sysv(size, tagged);
    case Backend::kPosix:
      return make_posix(size, tagged);
    case Backend::kMemfd:
      return make_memfd(size);
  }
  return logic_error("share check", "unknown backend");
}

std::string mismatch_text(const char* who, std::size_t offset) {
  return std::string(who) + " saw a wrong byte at offset " + std::to_string(offset);
}

// Runs `body` in a child and turns anything but a clean exit into a failure text.
std::optional<std::string> in_child(const ChildProcess::Body& body, std::chrono::milliseconds timeout) {
  auto child = ChildProcess::spawn(body);
  if (!child) return child.error().message();
  auto exit = child->wait(timeout);
  if (!exit) return exit.error().message();  // the destructor kills and reaps a stuck child
  if (!exit->ok()) return "child " + exit->describe();
  return std::nullopt;
}

BackendVerdict check_backend(Backend backend, const ShareCheckOptions& options) {
  BackendVerdict v{.backend = backend};
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t seed_child = options.seed ^ (0x1000 + static_cast<std::uint64_t>(backend));
  const std::uint64_t seed_parent = ~seed_child;
  auto finish = [&](std::string detail, Outcome outcome) {
    v.detail = std::move(detail);
    v.outcome = outcome;
    v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return v;
  };

  auto object = make_object(backend, options.size, options.tagged);
  if (!object) return finish(object.error().message(), Outcome::kError);
  auto mapping = object->map_here();
  if (!mapping) return finish(mapping.error().message(), Outcome::kError);

  // 1. A child maps the segment itself and writes; our mapping, made before, must see it.
  if (auto failed = in_child(
          [&]() -> ChildReport {
            auto m = object->map_here();
            if (!m) return m.error().message();
            fill_pattern(m->bytes(), seed_child);
            return "";
          },
          options.child_timeout)) {
    return finish("writer " + *failed, Outcome::kFail);
  }
  if (auto bad = find_pattern_mismatch(mapping->bytes(), seed_child)) {
    return finish(mismatch_text("parent", *bad), Outcome::kFail);
  }

  // 2. The other direction: we write, a new child's own mapping must see it.
  fill_pattern(mapping->bytes(), seed_parent);
  if (auto failed = in_child(
          [&]() -> ChildReport {
            auto m = object->map_here();
            if (!m) return m.error().message();
            if (auto bad = find_pattern_mismatch(m->bytes(), seed_parent)) return mismatch_text("reader child", *bad);
            return "";
          },
          options.child_timeout)) {
    return finish("reader " + *failed, Outcome::kFail);
  }
  v.bytes_checked = 2 * static_cast<std::uint64_t>(mapping->size());

  // 3. Detach and remove; the object must be gone.
  if (auto r = mapping->unmap(); !r) return finish(r.error().message(), Outcome::kError);
  // An object that survives its removal is a finding; a failing remove call is an error.
  if (auto r = object->remove_and_verify(); !r) {
    return finish(r.error().message(), r.error().err == 0 ? Outcome::kFail : Outcome::kError);
  }
  return finish("child wrote, parent read; parent wrote, child read; removed", Outcome::kPass);
}

}  // namespace

Outcome ShareCheckResult::outcome() const {
  auto any = [&](Outcome o) {
    return std::any_of(backends.begin(), backends.end(), [o](const auto& b) { return b.outcome == o; });
  };
  if (any(Outcome::kFail)) return Outcome::kFail;
  if (any(Outcome::kError) || backends.empty()) return Outcome::kError;
  return Outcome::kPass;
}

Result<ShareCheckResult> run_share_check(const ShareCheckOptions& options) {
  if (options.size == 0) return logic_error("share check", "size must be at least 1 byte");
  if (options.backends.empty()) return logic_error("share check", "no backend selected");
  ShareCheckResult result{.seed = options.seed};
  for (const Backend b : options.backends) result.backends.push_back(check_backend(b, options));
  return result;
}

}  // namespace shmh
