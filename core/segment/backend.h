// Backend: the three kernel interfaces to shared memory that shmharness drives.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace shmh {

enum class Backend { kSysv, kPosix, kMemfd };

inline constexpr std::array<Backend, 3> kAllBackends = {Backend::kSysv, Backend::kPosix, Backend::kMemfd};

// "sysv", "posix", "memfd" — the spelling of --backend.
constexpr std::string_view to_string(Backend b) {
  switch (b) {
    case Backend::kSysv:
      return "sysv";
    case Backend::kPosix:
      return "posix";
    case Backend::kMemfd:
      return "memfd";
  }
  return "?";
}

constexpr std::optional<Backend> parse_backend(std::string_view s) {
  for (const Backend b : kAllBackends) {
    if (to_string(b) == s) return b;
  }
  return std::nullopt;
}

}  // namespace shmh
