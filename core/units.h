// Sizes as people write them: "4096", "4k", "1M", "64MiB", "2G" (binary multiples: k = 1024), and
// durations: "30s", "10m".
//
//   auto bytes = shmh::parse_size("64MiB");      // 67108864
//   shmh::format_bytes(1536) == "1.5 KiB"
//   shmh::format_mode(0600) == "0600"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace shmh {

// Accepts a decimal integer with an optional suffix k/K/KiB/KB, m/M/MiB/MB, g/G/GiB/GB, t/T/TiB/TB
// (all powers of 1024) or B. Fails, naming the text, on anything else, on a negative number and on
// overflow of 64 bits.
[[nodiscard]] Result<std::uint64_t> parse_size(std::string_view text);

// "512 B", "4.0 KiB", "1.5 MiB", "64.0 MiB", "2.0 GiB".
std::string format_bytes(std::uint64_t bytes);

// A permission mode the way chmod and ls write it: octal with a leading 0 ("0600", "01777").
std::string format_mode(unsigned mode);

// Durations as people write them: "90" or "90s", "10m", "2h" → seconds. Fails on anything else, on
// 0 and on more than a year.
[[nodiscard]] Result<std::uint64_t> parse_duration(std::string_view text);
// The same with milliseconds allowed ("500ms") → milliseconds.
[[nodiscard]] Result<std::uint64_t> parse_duration_ms(std::string_view text);

}  // namespace shmh
