// A reproducible byte pattern for checking that memory written by one process is what another
// reads: xorshift64* words from a seed, so any byte's expected value depends on the seed, the
// offset and nothing else — a stale page, a copy-on-write view or a shifted mapping all mismatch.
//
//   shmh::fill_pattern(map.bytes(), seed);
//   auto bad = shmh::find_pattern_mismatch(map.bytes(), seed);   // nullopt when intact
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shmh {

// Word `index` of the pattern (bytes [8·index, 8·index + 8), little-endian): any word on its own.
constexpr std::uint64_t pattern_word(std::uint64_t seed, std::size_t index) noexcept {
  // The word index is mixed in so that two regions of the same segment never look alike (a
  // mapping shifted by a page would pass otherwise).
  std::uint64_t x = seed ^ (0x9e3779b97f4a7c15ULL * (index + 1));
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  return x * 0x2545f4914f6cdd1dULL;
}

void fill_pattern(std::span<std::byte> bytes, std::uint64_t seed) noexcept;
// The offset of the first byte that differs from the pattern, or nullopt.
std::optional<std::size_t> find_pattern_mismatch(std::span<const std::byte> bytes, std::uint64_t seed) noexcept;

}  // namespace shmh
