#include "core/framing/frame.h"

#include <xxhash.h>

#include <cstring>
#include <vector>

#include "core/check/pattern.h"

namespace shmh {
namespace {

constexpr std::size_t kWriterOffset = 8;
constexpr std::size_t kLengthOffset = 12;
constexpr std::size_t kSequenceOffset = 16;

std::uint64_t payload_seed(std::uint64_t seed, std::uint32_t writer, std::uint64_t sequence) noexcept {
  return seed ^ (std::uint64_t{writer} << 48) ^ (sequence * 0x9e3779b97f4a7c15ULL);
}

template <class T>
T load(std::span<const std::byte> bytes, std::size_t offset) noexcept {
  T v;
  std::memcpy(&v, bytes.data() + offset, sizeof v);
  return v;
}

template <class T>
void store(std::span<std::byte> bytes, std::size_t offset, T v) noexcept {
  std::memcpy(bytes.data() + offset, &v, sizeof v);
}

std::uint64_t checksum_of(std::span<const std::byte> frame, std::uint64_t seed) noexcept {
  return XXH3_64bits_withSeed(frame.data() + 8, frame.size() - 8, seed);
}

}  // namespace

void encode_frame(std::span<std::byte> out, std::uint64_t seed, std::uint32_t writer, std::uint64_t sequence) noexcept {
  store(out, kWriterOffset, writer);
  store(out, kLengthOffset, static_cast<std::uint32_t>(out.size()));
  store(out, kSequenceOffset, sequence);
  fill_pattern(out.subspan(kFrameHeaderSize), payload_seed(seed, writer, sequence));
  store(out, 0, checksum_of(out, seed));
}

CheckedFrame check_frame(std::span<const std::byte> message, std::uint64_t seed) noexcept {
  if (message.size() < kFrameHeaderSize) return {FrameStatus::kTruncated};
  const auto length = load<std::uint32_t>(message, kLengthOffset);
  if (length > message.size() && length <= (std::uint64_t{1} << 31)) {
    // Declares more than arrived: cut short in transit (unless the checksum says the header itself is garbage).
    return {FrameStatus::kTruncated};
  }
  if (length != message.size()) return {FrameStatus::kCorrupt};
  if (load<std::uint64_t>(message, 0) != checksum_of(message, seed)) return {FrameStatus::kCorrupt};
  return {FrameStatus::kOk, load<std::uint32_t>(message, kWriterOffset), load<std::uint64_t>(message, kSequenceOffset)};
}

std::optional<std::size_t> first_bad_byte(std::span<const std::byte> message, std::uint64_t seed) noexcept {
  if (message.size() < kFrameHeaderSize) return std::nullopt;
  const auto writer = load<std::uint32_t>(message, kWriterOffset);
  const auto sequence = load<std::uint64_t>(message, kSequenceOffset);
  const auto bad = find_pattern_mismatch(message.subspan(kFrameHeaderSize), payload_seed(seed, writer, sequence));
  if (!bad) return std::nullopt;
  return kFrameHeaderSize + *bad;
}

}  // namespace shmh
