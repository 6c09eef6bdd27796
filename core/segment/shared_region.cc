#include "core/segment/shared_region.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string_view>

#include "core/units.h"

namespace shmh {
namespace {

template <class T>
bool parse_int(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
}

SysError bad_address(const std::string& address, const char* why) {
  return logic_error("shared region address", "'" + address + "': " + why);
}

}  // namespace

Result<SharedRegion> SharedRegion::create(Backend backend, std::size_t size, mode_t mode) {
  switch (backend) {
    case Backend::kSysv: {
      auto seg = SysvSegment::create_tagged(size, static_cast<int>(mode));
      if (!seg) return seg.error();
      auto map = seg->attach();
      if (!map) return map.error();
      std::string address = "sysv:" + std::to_string(seg->id());
      return SharedRegion(backend, std::move(*seg), std::move(*map), std::move(address));
    }
    case Backend::kPosix: {
      auto seg = PosixSegment::create_tagged(size, mode);
      if (!seg) return seg.error();
      // Reserve the memory now: a /dev/shm too small answers here, not with SIGBUS on first touch.
      if (auto r = seg->allocate(0, size); !r) {
        if (r.error().err != ENOSPC) return r.error();
        return sys_error(ENOSPC, "posix_fallocate",
                         "/dev/shm has no room for " + format_bytes(size) +
                             ": free space there (df /dev/shm) or enlarge it (mount -o remount,size=... /dev/shm)");
      }
      auto map = seg->map();
      if (!map) return map.error();
      std::string address = "posix:" + seg->name();
      return SharedRegion(backend, std::move(*seg), std::move(*map), std::move(address));
    }
    case Backend::kMemfd: {
      auto seg = MemfdSegment::create({.name = "shmh-region", .size = size, .mode = mode});
      if (!seg) return seg.error();
      auto map = seg->map();
      if (!map) return map.error();
      std::string address = "memfd:" + std::to_string(::getpid()) + ":" + std::to_string(seg->fd());
      return SharedRegion(backend, std::move(*seg), std::move(*map), std::move(address));
    }
  }
  return logic_error("shared region", "unknown backend");
}

Result<SharedRegion> SharedRegion::open(const std::string& address) {
  const std::string_view a = address;
  const auto colon = a.find(':');
  if (colon == std::string_view::npos) return bad_address(address, "expected sysv:, posix: or memfd:");
  const auto backend = parse_backend(a.substr(0, colon));
  if (!backend) return bad_address(address, "unknown backend");
  const std::string_view rest = a.substr(colon + 1);
  switch (*backend) {
    case Backend::kSysv: {
      int id = -1;
      if (!parse_int(rest, id) || id < 0) return bad_address(address, "expected sysv:<shmid>");
      auto seg = SysvSegment::adopt(id, /*owned=*/false);
      auto map = seg.attach();
      if (!map) return map.error();
      return SharedRegion(*backend, std::move(seg), std::move(*map), address);
    }
    case Backend::kPosix: {
      if (rest.empty() || rest.size() > 255) return bad_address(address, "expected posix:/<name>");
      auto seg = PosixSegment::open(std::string(rest));
      if (!seg) return seg.error();
      auto map = seg->map();
      if (!map) return map.error();
      return SharedRegion(*backend, std::move(*seg), std::move(*map), address);
    }
    case Backend::kMemfd: {
      const auto sep = rest.find(':');
      pid_t pid = 0;
      int fd = -1;
      if (sep == std::string_view::npos || !parse_int(rest.substr(0, sep), pid) ||
          !parse_int(rest.substr(sep + 1), fd) || pid <= 0 || fd < 0) {
        return bad_address(address, "expected memfd:<pid>:<fd>");
      }
      auto seg = MemfdSegment::open_peer(pid, fd);
      if (!seg) return seg.error();
      auto map = seg->map();
      if (!map) return map.error();
      // The mapping keeps the memory; our descriptor is not needed any more.
      return SharedRegion(*backend, std::monostate{}, std::move(*map), address);
    }
  }
  return bad_address(address, "unknown backend");
}

bool SharedRegion::owner() const {
  if (const auto* s = std::get_if<SysvSegment>(&object_)) return s->owned();
  if (const auto* p = std::get_if<PosixSegment>(&object_)) return p->owned();
  return std::holds_alternative<MemfdSegment>(object_);
}

Result<void> SharedRegion::remove() {
  Result<void> result;
  if (auto* s = std::get_if<SysvSegment>(&object_); s && s->owned()) result = s->remove();
  if (auto* p = std::get_if<PosixSegment>(&object_); p && p->owned()) result = p->remove();
  if (auto* m = std::get_if<MemfdSegment>(&object_)) result = m->remove();
  object_ = std::monostate{};
  if (auto r = mapping_.unmap(); !r && result) result = r;
  return result;
}

}  // namespace shmh
