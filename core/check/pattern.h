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

void fill_pattern(std::span<std::byte> bytes, std::uint64_t seed) noexcept;
// The offset of the first byte that differs from the pattern, or nullopt.
std::optional<std::size_t> find_pattern_mismatch(std::span<const std::byte> bytes, std::uint64_t seed) noexcept;

}  // namespace shmh
