#include "core/framing/frame.h"

#if defined(__x86_64__)
// Debian's libxxhash exports runtime-dispatched XXH3 (SSE2 / AVX2 / AVX-512 picked on the running
// CPU): 2.2x the SSE2 baseline on this VM's AVX2, which matters for 64 KiB frames.
#include <xxh_x86dispatch.h>
#else
#include <xxhash.h>
#endif

#include <cstring>
#include <vector>

#include "core/check/pattern.h"

namespace shmh {
namespace {

constexpr std::size_t kWriterOffset = 8;
constexpr std::size_t kLengthOffset = 12;
constexpr std::size_t kSequenceOffset = 16;

std::uint64_t payload_seed(std::uint64_t seed, std::uint32_t writer) noexcept {
  return seed ^ (std::uint64_t{writer} * 0xd6e8feb86659fd93ULL);
}

std::uint64_t sequence_word(std::uint64_t seed, std::uint64_t sequence) noexcept {
  return ((sequence + 1) * 0x9e3779b97f4a7c15ULL) ^ seed;
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

// The sequence word and the stamp: XORed into the first (up to) 8 payload bytes.
void mix_sequence(std::span<std::byte> payload, std::uint64_t seed, std::uint64_t sequence,
                  std::span<const std::byte> base, std::uint64_t stamp = 0) noexcept {
  const std::uint64_t w = sequence_word(seed, sequence) ^ stamp;
  const std::size_t n = payload.size() < 8 ? payload.size() : 8;
  for (std::size_t i = 0; i < n; ++i) {
    payload[i] = base[i] ^ static_cast<std::byte>((w >> (8 * i)) & 0xff);
  }
}

void write_header(std::span<std::byte> out, std::uint32_t writer, std::uint64_t sequence) noexcept {
  store(out, kWriterOffset, writer);
  store(out, kLengthOffset, static_cast<std::uint32_t>(out.size()));
  store(out, kSequenceOffset, sequence);
}

}  // namespace

void encode_frame(std::span<std::byte> out, std::uint64_t seed, std::uint32_t writer, std::uint64_t sequence) noexcept {
  write_header(out, writer, sequence);
  auto payload = out.subspan(kFrameHeaderSize);
  fill_pattern(payload, payload_seed(seed, writer));
  std::byte base[8] = {};
  std::memcpy(base, payload.data(), payload.size() < 8 ? payload.size() : 8);
  mix_sequence(payload, seed, sequence, base);
  store(out, 0, checksum_of(out, seed));
}

FrameWriter::FrameWriter(std::uint64_t seed, std::uint32_t writer, std::size_t max_size)
    : seed_(seed), writer_(writer), buffer_(max_size < kFrameHeaderSize ? kFrameHeaderSize : max_size) {
  fill_pattern(std::span(buffer_).subspan(kFrameHeaderSize), payload_seed(seed, writer));
}

std::span<const std::byte> FrameWriter::encode(std::uint64_t sequence, std::size_t size, std::uint64_t stamp) noexcept {
  auto out = std::span(buffer_).first(size);
  write_header(out, writer_, sequence);
  // Recompute the base of the sequence word from the pattern (it was overwritten last time).
  auto payload = out.subspan(kFrameHeaderSize);
  if (!payload.empty()) {
    std::byte base[8] = {};
    const std::size_t n = payload.size() < 8 ? payload.size() : 8;
    fill_pattern(std::span(base, n), payload_seed(seed_, writer_));
    mix_sequence(payload, seed_, sequence, base, stamp);
  }
  store(out, 0, checksum_of(out, seed_));
  return out;
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

std::optional<FrameClaim> claimed_identity(std::span<const std::byte> message) noexcept {
  if (message.size() < kFrameHeaderSize) return std::nullopt;
  return FrameClaim{.writer = load<std::uint32_t>(message, kWriterOffset),
                    .sequence = load<std::uint64_t>(message, kSequenceOffset)};
}

std::uint64_t frame_stamp(std::span<const std::byte> message, std::uint64_t seed) noexcept {
  const std::size_t n = frame_stamp_bytes(message.size());
  if (n == 0) return 0;
  const auto writer = load<std::uint32_t>(message, kWriterOffset);
  const auto sequence = load<std::uint64_t>(message, kSequenceOffset);
  std::byte base[8] = {};
  fill_pattern(std::span(base, n), payload_seed(seed, writer));
  const std::uint64_t w = sequence_word(seed, sequence);
  std::uint64_t stamp = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto b = static_cast<std::uint64_t>(message[kFrameHeaderSize + i] ^ base[i]);
    stamp |= (b ^ ((w >> (8 * i)) & 0xff)) << (8 * i);
  }
  return stamp;
}

std::optional<std::size_t> first_bad_byte(std::span<const std::byte> message, std::uint64_t seed) noexcept {
  if (message.size() < kFrameHeaderSize) return std::nullopt;
  const auto writer = load<std::uint32_t>(message, kWriterOffset);
  const auto sequence = load<std::uint64_t>(message, kSequenceOffset);
  std::vector<std::byte> expected(message.size());
  encode_frame(expected, seed, writer, sequence);
  for (std::size_t i = kFrameHeaderSize + 8; i < message.size(); ++i) {
    if (message[i] != expected[i]) return i;
  }
  return std::nullopt;
}

}  // namespace shmh
