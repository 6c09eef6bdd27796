// A number in a /proc or /sys file (a sysctl such as /proc/sys/kernel/shmmax, a cgroup counter):
// the text is trusted only once it parses whole.
//
//   auto shmmni = shmh::sys::read_u64("/proc/sys/kernel/shmmni");   // 4096
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace shmh::sys {

// Decimal digits, then nothing but trailing newlines or spaces; nullopt otherwise (a sign, a
// prefix, an overflow, an empty text).
std::optional<std::uint64_t> parse_u64(std::string_view text);

// The file's number. Errors: read_file's, or "not a number" naming the path and its text.
Result<std::uint64_t> read_u64(const std::string& path);

}  // namespace shmh::sys
