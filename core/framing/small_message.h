// Messages shorter than a frame (0..23 bytes), still checked exactly. A channel's inline fast
// path, word-sized copies and "length 0 means nothing" live there, and a 24-byte frame never
// reaches them. Two forms, by length:
//
//   8..23 bytes, "compact": one 64-bit word — sequence (40 bits), writer (6 bits), an 18-bit check
//             of (seed, writer, sequence, length) — then bytes derived from (seed, writer,
//             sequence). It identifies itself: any channel, any topology.
//   0..7 bytes, "tiny":    only the bytes derived from (seed, writer, sequence). It cannot say
//             whose it is: the reader must know which message comes next (one writer on a FIFO
//             lane that only this reader takes) and checks it against that (tiny_matches).
//
//   std::byte buf[kFrameHeaderSize];
//   auto m = encode_small(std::span(buf).first(n), seed, writer, seq);   // n < 24
//   auto c = check_compact(received, seed);                               // 8 <= size < 24
//   bool same = tiny_matches(received, seed, writer, seq);                // size < 8
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/framing/frame.h"

namespace shmh {

inline constexpr std::size_t kCompactMin = 8;                           // shortest self-identifying message
inline constexpr std::uint64_t kCompactMaxSequence = (1ULL << 40) - 1;  // sequences a compact one carries
inline constexpr std::uint32_t kCompactMaxWriter = 63;                  // writers a compact one names

// Fills `out` (size < kFrameHeaderSize) with the small message of (seed, writer, sequence): compact
// when it has room (writer ≤ 63, sequence < 2^40), else tiny. No allocation.
void encode_small(std::span<std::byte> out, std::uint64_t seed, std::uint32_t writer, std::uint64_t sequence) noexcept;

// A compact message's identity: kOk with writer and sequence when its check and bytes agree,
// kCorrupt otherwise, kTruncated when it is not 8..23 bytes long.
CheckedFrame check_compact(std::span<const std::byte> message, std::uint64_t seed) noexcept;

// Whether `message` (< 8 bytes) is exactly the tiny message (seed, writer, sequence) of its length.
bool tiny_matches(std::span<const std::byte> message, std::uint64_t seed, std::uint32_t writer,
                  std::uint64_t sequence) noexcept;

}  // namespace shmh
