// Integrity framing: what lets the harness check *any* channel, including a user's. Every message
// a stress writer sends is a frame:
//
//   offset 0   u64 checksum   XXH3-64 (seeded with the run seed) of bytes [8, length)
//   offset 8   u32 writer     the sending writer's id
//   offset 12  u32 length     the whole frame's length in bytes (≥ kFrameHeaderSize)
//   offset 16  u64 sequence   the writer's message number, from 0
//   offset 24  payload        a pattern derived from (seed, writer), its first 8 bytes XORed with
//                             the sequence word and with the stamp (0 when none; the stress runner
//                             puts the send time there): every message differs, and a writer
//                             re-encodes a frame by patching 24 + 8 bytes and re-hashing
//                             (FrameWriter), not refilling. Frames shorter than 32 bytes carry
//                             only as many stamp bytes as they have payload.
//
// The reader treats a received message as hostile bytes: check_frame() never reads past the
// message, and a frame only counts as intact when its checksum, length and identity all agree.
//
//   shmh::encode_frame(buffer, seed, writer, seq);
//   auto f = shmh::check_frame(received, seed);       // f.status == FrameStatus::kOk ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace shmh {

inline constexpr std::size_t kFrameHeaderSize = 24;

// Writes a frame filling all of `out` (out.size() ≥ kFrameHeaderSize, ≤ 4 GiB). No allocation.
void encode_frame(std::span<std::byte> out, std::uint64_t seed, std::uint32_t writer, std::uint64_t sequence) noexcept;

// One writer's frames, fast: the payload pattern is laid out once (up to max_size), and each
// encode() patches the header and the sequence word and re-hashes — the cost is one XXH3 pass.
class FrameWriter {
 public:
  FrameWriter(std::uint64_t seed, std::uint32_t writer, std::size_t max_size);
  // The frame for `sequence` of `size` bytes (kFrameHeaderSize ≤ size ≤ max_size), valid until the
  // next encode(). `stamp` (e.g. the send time) is recovered by frame_stamp().
  std::span<const std::byte> encode(std::uint64_t sequence, std::size_t size, std::uint64_t stamp = 0) noexcept;

 private:
  std::uint64_t seed_;
  std::uint32_t writer_;
  std::vector<std::byte> buffer_;
};

enum class FrameStatus {
  kOk,         // checksum, length and content agree
  kTruncated,  // shorter than its header or than the length it declares
  kCorrupt,    // checksum mismatch, or a length field that disagrees with the message
};

struct CheckedFrame {
  FrameStatus status = FrameStatus::kCorrupt;
  std::uint32_t writer = 0;    // meaningful only when kOk
  std::uint64_t sequence = 0;  // meaningful only when kOk
};

// Checks one received message on its own (sequence bookkeeping is FrameVerifier's).
CheckedFrame check_frame(std::span<const std::byte> message, std::uint64_t seed) noexcept;

// The stamp an intact frame carries (0 for encode_frame's); only the low 8·(size−24) bits when the
// frame is shorter than 32 bytes. Call it on frames check_frame() accepted.
std::uint64_t frame_stamp(std::span<const std::byte> message, std::uint64_t seed) noexcept;
// Bytes of stamp a frame of `size` bytes carries (0..8).
constexpr std::size_t frame_stamp_bytes(std::size_t size) noexcept {
  return size <= kFrameHeaderSize ? 0 : (size - kFrameHeaderSize < 8 ? size - kFrameHeaderSize : 8);
}

// What a message's frame header claims — writer and sequence — without checking anything: for
// reports on a damaged frame, whose header may still be intact. nullopt when shorter than a header.
struct FrameClaim {
  std::uint32_t writer = 0;
  std::uint64_t sequence = 0;
};
std::optional<FrameClaim> claimed_identity(std::span<const std::byte> message) noexcept;

// For reports on a corrupt frame whose header is readable: the offset of the first byte that
// differs from what (seed, writer, sequence) would have produced, or nullopt. The stamp bytes
// (24..32) are not compared: any value is legal there.
std::optional<std::size_t> first_bad_byte(std::span<const std::byte> message, std::uint64_t seed) noexcept;

}  // namespace shmh
