#include "core/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <string>

namespace shmh {

Result<std::uint64_t> parse_size(std::string_view text) {
  const std::string shown(text);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) return logic_error("size", "'" + shown + "' does not fit in 64 bits");
  if (ec != std::errc{} || end == text.data()) {
    return logic_error("size", "'" + shown + "' is not a size (examples: 4096, 4k, 64MiB, 2G)");
  }
  std::string suffix(end, text.data() + text.size());
  for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  struct Unit {
    std::string_view a, b, c;
    unsigned shift;
  };
  constexpr std::array<Unit, 5> kUnits = {{{"", "b", "b", 0},
                                           {"k", "kib", "kb", 10},
                                           {"m", "mib", "mb", 20},
                                           {"g", "gib", "gb", 30},
                                           {"t", "tib", "tb", 40}}};
  for (const auto& u : kUnits) {
    if (suffix == u.a || suffix == u.b || suffix == u.c) {
      if (u.shift != 0 && value > (UINT64_MAX >> u.shift)) {
        return logic_error("size", "'" + shown + "' does not fit in 64 bits");
      }
      return value << u.shift;
    }
  }
  return logic_error("size", "'" + shown + "' has an unknown unit (use k, M, G or T — powers of 1024)");
}

std::string format_mode(unsigned mode) {
  char buf[16];
  (void)std::snprintf(buf, sizeof buf, "0%03o", mode);
  return buf;
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  constexpr std::array<const char*, 4> kNames = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024.0;
  std::size_t i = 0;
  while (v >= 1024.0 && i + 1 < kNames.size()) {
    v /= 1024.0;
    ++i;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kNames[i]);
  return buf;
}

Result<std::uint64_t> parse_duration(std::string_view text) {
  auto ms = parse_duration_ms(text);
  if (!ms) return ms.error();
  if (*ms % 1000 != 0) return logic_error("duration", "'" + std::string(text) + "': whole seconds only here");
  return *ms / 1000;
}

Result<std::uint64_t> parse_duration_ms(std::string_view text) {
  auto bad = [&] {
    return logic_error("duration", "'" + std::string(text) + "' is not a duration (examples: 90, 30s, 500ms, 10m, 2h)");
  };
  std::size_t digits = 0;
  std::uint64_t value = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    if (value > 1'000'000'000) return bad();
    value = value * 10 + static_cast<std::uint64_t>(text[digits++] - '0');
  }
  const std::string_view unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit.empty() || unit == "s") scale = 1000;
  if (unit == "m" || unit == "min") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (digits == 0 || scale == 0 || value == 0 || value * scale > 366ULL * 24 * 3600 * 1000) return bad();
  return value * scale;
}

}  // namespace shmh
