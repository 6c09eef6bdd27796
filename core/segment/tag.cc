#include "core/segment/tag.h"

#include <sys/random.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdio>

namespace shmh {
namespace {

std::uint64_t random_u64() noexcept {
  std::uint64_t v = 0;
  // getrandom on 8 bytes from the urandom pool neither blocks after boot nor returns short.
  if (::getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v)) {
    const auto pid = static_cast<std::uint64_t>(static_cast<unsigned>(::getpid()));
    v = (pid * std::uint64_t{0x9e3779b97f4a7c15U}) ^ std::uint64_t{reinterpret_cast<std::uintptr_t>(&v)};
  }
  return v;
}

}  // namespace

bool is_tagged_key(key_t key) noexcept { return (static_cast<unsigned>(key) & kSysvTagMask) == kSysvTagValue; }

key_t random_tagged_key() noexcept {
  // The low half is random; 0 is avoided only for readability of `ipcs` output.
  unsigned low = static_cast<unsigned>(random_u64() & 0xffffU);
  if (low == 0) low = 1;
  return static_cast<key_t>(kSysvTagValue | low);
}

std::string tagged_posix_name() {
  char buf[64];
  std::snprintf(buf, sizeof buf, "/%.*s%d.%016llx", static_cast<int>(kPosixTagPrefix.size()), kPosixTagPrefix.data(),
                static_cast<int>(::getpid()), static_cast<unsigned long long>(random_u64()));
  return buf;
}

std::optional<pid_t> tagged_name_creator(std::string_view name) {
  if (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (name.substr(0, kPosixTagPrefix.size()) != kPosixTagPrefix) return std::nullopt;
  name.remove_prefix(kPosixTagPrefix.size());
  const auto dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const std::string_view hex = name.substr(dot + 1);
  if (hex.size() != 16) return std::nullopt;
  for (const char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  pid_t pid = 0;
  // NOLINTNEXTLINE(bugprone-suspicious-stringview-data-usage): from_chars reads [data, data + dot), no NUL needed
  const auto [end, ec] = std::from_chars(name.data(), name.data() + dot, pid);
  if (ec != std::errc{} || end != name.data() + dot || pid <= 0) return std::nullopt;
  return pid;
}

}  // namespace shmh
