#include "core/check/pattern.h"

#include <cstring>

namespace shmh {

void fill_pattern(std::span<std::byte> bytes, std::uint64_t seed) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    const std::uint64_t w = pattern_word(seed, i / 8);
    std::memcpy(bytes.data() + i, &w, 8);
  }
  if (i < bytes.size()) {
    const std::uint64_t w = pattern_word(seed, i / 8);
    std::memcpy(bytes.data() + i, &w, bytes.size() - i);
  }
}

std::optional<std::size_t> find_pattern_mismatch(std::span<const std::byte> bytes, std::uint64_t seed) noexcept {
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    const std::uint64_t w = pattern_word(seed, i / 8);
    const std::size_t n = bytes.size() - i < 8 ? bytes.size() - i : 8;
    if (std::memcmp(bytes.data() + i, &w, n) != 0) {
      for (std::size_t j = 0; j < n; ++j) {
        if (std::memcmp(bytes.data() + i + j, reinterpret_cast<const std::byte*>(&w) + j, 1) != 0) return i + j;
      }
    }
  }
  return std::nullopt;
}

}  // namespace shmh
