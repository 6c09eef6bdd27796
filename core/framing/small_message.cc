#include "core/framing/small_message.h"

#include <cstring>

#include "core/random/splitmix.h"

namespace shmh {
namespace {

constexpr unsigned kWriterShift = 40;
constexpr unsigned kCheckShift = 46;
constexpr std::uint64_t kCheckMask = (1ULL << 18) - 1;

// The derived bytes of (seed, writer, sequence): up to 24, a splitmix stream of their hash.
void derived_bytes(std::span<std::byte> out, std::uint64_t seed, std::uint32_t writer,
                   std::uint64_t sequence) noexcept {
  SplitMix64 rng(derive_seed(derive_seed(seed, writer), sequence));
  for (std::size_t i = 0; i < out.size(); i += 8) {
    const std::uint64_t word = rng();
    const std::size_t n = out.size() - i < 8 ? out.size() - i : 8;
    std::memcpy(out.data() + i, &word, n);
  }
}

std::uint64_t check_of(std::uint64_t seed, std::uint32_t writer, std::uint64_t sequence, std::size_t length) noexcept {
  return derive_seed(seed ^ 0x636f6d70616374ULL, (sequence << 11) ^ (std::uint64_t{writer} << 5) ^ length) & kCheckMask;
}

}  // namespace

void encode_small(std::span<std::byte> out, std::uint64_t seed, std::uint32_t writer, std::uint64_t sequence) noexcept {
  if (out.size() < kCompactMin || writer > kCompactMaxWriter || sequence > kCompactMaxSequence) {
    derived_bytes(out, seed, writer, sequence);
    return;
  }
  const std::uint64_t word = sequence | (std::uint64_t{writer} << kWriterShift) |
                             (check_of(seed, writer, sequence, out.size()) << kCheckShift);
  std::memcpy(out.data(), &word, sizeof word);
  derived_bytes(out.subspan(kCompactMin), seed, writer, sequence);
}

CheckedFrame check_compact(std::span<const std::byte> message, std::uint64_t seed) noexcept {
  CheckedFrame out;
  if (message.size() < kCompactMin || message.size() >= kFrameHeaderSize) {
    out.status = FrameStatus::kTruncated;
    return out;
  }
  std::uint64_t word = 0;
  std::memcpy(&word, message.data(), sizeof word);
  const std::uint64_t sequence = word & kCompactMaxSequence;
  const auto writer = static_cast<std::uint32_t>((word >> kWriterShift) & kCompactMaxWriter);
  if ((word >> kCheckShift) != check_of(seed, writer, sequence, message.size())) return out;  // kCorrupt
  std::byte expected[kFrameHeaderSize];
  const auto rest = std::span(expected).first(message.size() - kCompactMin);
  derived_bytes(rest, seed, writer, sequence);
  if (std::memcmp(rest.data(), message.data() + kCompactMin, rest.size()) != 0) return out;
  out.status = FrameStatus::kOk;
  out.writer = writer;
  out.sequence = sequence;
  return out;
}

bool tiny_matches(std::span<const std::byte> message, std::uint64_t seed, std::uint32_t writer,
                  std::uint64_t sequence) noexcept {
  if (message.size() >= kCompactMin) return false;
  std::byte expected[kCompactMin];
  const auto mine = std::span(expected).first(message.size());
  derived_bytes(mine, seed, writer, sequence);
  return message.empty() || std::memcmp(mine.data(), message.data(), mine.size()) == 0;
}

}  // namespace shmh
