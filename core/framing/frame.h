// Integrity framing: what lets the harness check *any* channel, including a user's. Every message
// a stress writer sends is a frame:
//
//   offset 0   u64 check      a bijective mix of (key, length, stamp): the one field that covers the stamp
//   offset 8   u32 writer     the sending writer's id
//   offset 12  u32 length     the whole frame's length in bytes (≥ kFrameHeaderSize)
//   offset 16  u64 sequence   the writer's message number, from 0
//   offset 24  payload        word i (8 bytes, little-endian; the last one cut at the frame's end) is
//                             word i of the run's byte pattern XOR the message's key, a mix of
//                             (seed, writer, sequence) that no two messages of a writer share;
//                             word 0 is also XORed with the stamp (0 when none; the stress runner
//                             puts the send time there). Frames shorter than 32 bytes carry only
//                             as many stamp bytes as they have payload.
//
// The reader regenerates what the writer must have sent and compares every byte: a damaged payload
// byte is found for certain (not by a hash's 2^-64 chance), a message torn between two of the same
// writer's messages differs in every word, a header naming another writer or sequence changes the
// key and so every payload word, and the stamp — the one part the reader cannot predict — is bound
// by the check word. The writer pays one XOR per payload word (stored 16 bytes at a time where the
// size allows) and two 64-bit mixes, no hash pass: nothing is computed on both sides that one side
// could do (README "Benchmarks").
//
// The reader treats a received message as hostile bytes: checks never read past the message, and
// a frame only counts as intact when its check word, length, identity and every payload byte agree.
//
//   shmh::encode_frame(buffer, seed, writer, seq);
//   auto f = shmh::check_frame(received, seed);       // f.status == FrameStatus::kOk ...
//   shmh::FrameChecker checker(seed, max_size);       // the same, with the pattern laid out once
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "core/random/splitmix.h"

namespace shmh {

inline constexpr std::size_t kFrameHeaderSize = 24;

// Writes a frame filling all of `out` (out.size() ≥ kFrameHeaderSize, ≤ 4 GiB). No allocation.
void encode_frame(std::span<std::byte> out, std::uint64_t seed, std::uint32_t writer, std::uint64_t sequence) noexcept;

// What writer and reader both derive from a message's identity (frame.cc uses the same).
namespace frame_detail {
inline constexpr std::size_t kWriterOffset = 8;
inline constexpr std::size_t kLengthOffset = 12;
inline constexpr std::uint64_t kLengthMix = 0xd6e8feb86659fd93ULL;  // odd: distinct lengths stay distinct
// Bijective in the sequence for one writer: no two of its messages share a key.
constexpr std::uint64_t message_key(std::uint64_t writer_key, std::uint64_t sequence) noexcept {
  return splitmix64_mix(writer_key + (sequence + 1) * kGoldenGamma);
}
// Bijective in the stamp for one (key, length): a changed stamp always changes the check word.
// The stamp is added after the mix, not mixed with the key: the reader recovers it as
// payload word 0 XOR key, so in a 32-byte frame `key ^ stamp` would not depend on the key at all
// and a damaged writer or sequence field would pass.
constexpr std::uint64_t check_word(std::uint64_t key, std::size_t length, std::uint64_t stamp) noexcept {
  return splitmix64_mix(key ^ (std::uint64_t{length} * kLengthMix)) + stamp;
}
// Two 64-bit words in one 16-byte register: GCC's and Clang's generic vectors are plain SSE2 on
// x86-64, NEON on arm64.
using WordPair = std::uint64_t __attribute__((vector_size(16)));
}  // namespace frame_detail

// One writer's frames, fast: the pattern is laid out once (up to max_size), and each encode()
// writes the header and one XOR per payload word. With `slots` > 1 it holds that many frames at
// once, so a writer can encode several ahead of their sends (stress/flow/sending.cc says why).
class FrameWriter {
 public:
  FrameWriter(std::uint64_t seed, std::uint32_t writer, std::size_t max_size, std::size_t slots = 1);
  // The frame for `sequence` of `size` bytes (kFrameHeaderSize ≤ size ≤ max_size) in `slot`
  // (< slots), valid until the next encode() into that slot. `stamp` (e.g. the send time) is
  // recovered by frame_stamp(). Inline, in 16-byte stores, for a size that is a multiple of 16.
  std::span<const std::byte> encode(std::uint64_t sequence, std::size_t size, std::uint64_t stamp = 0,
                                    std::size_t slot = 0) noexcept;
  // The first `size` bytes of `slot`: the frame its last encode() of that size wrote.
  [[nodiscard]] std::span<const std::byte> encoded(std::size_t slot, std::size_t size) const noexcept {
    return {buffer_.data() + slot_offset(slot), size};
  }

 private:
  // Where `slot`'s frame starts in buffer_ (on a cache line).
  [[nodiscard]] std::size_t slot_offset(std::size_t slot) const noexcept { return first_ + slot * stride_; }
  // Any size, a word at a time.
  std::span<const std::byte> encode_words(std::uint64_t sequence, std::size_t size, std::uint64_t stamp,
                                          std::size_t slot) noexcept;

  std::uint32_t writer_;
  std::uint64_t writer_key_;            // the writer's part of every message key
  std::vector<std::uint64_t> pattern_;  // the payload's pattern words, up to max_size
  std::size_t stride_;                  // bytes per slot: max_size rounded up to a cache line
  std::vector<std::byte> buffer_;       // slots from `first_`, the first cache-line boundary in it
  std::size_t first_ = 0;
};

// A frame is a run of 64-bit words — check, writer | length << 32, sequence, payload words — so a
// frame whose size is a multiple of 16 is that many 16-byte stores: 4 for 64 bytes where word by
// word took 9 (and the call's pushes). Each store between two sends takes a store-buffer entry
// that drains only behind the send's stores into the channel's slot, whose line is on the reader's
// core (our reading of `perf`, which put the writer's stall on its first store after the send:
// docs/architecture.md "The paired figure, and the writer's frame in 16-byte stores").
inline std::span<const std::byte> FrameWriter::encode(std::uint64_t sequence, std::size_t size, std::uint64_t stamp,
                                                      std::size_t slot) noexcept {
  using frame_detail::WordPair;
  if constexpr (std::endian::native == std::endian::little) {
    if (size % 16 == 0 && size >= 32) [[likely]] {
      std::byte* out = buffer_.data() + slot_offset(slot);
      const std::uint64_t key = frame_detail::message_key(writer_key_, sequence);
      const std::uint64_t* pattern = pattern_.data();
      const WordPair head = {frame_detail::check_word(key, size, stamp),
                             std::uint64_t{writer_} | (std::uint64_t{size} << 32)};
      const WordPair second = {sequence, pattern[0] ^ key ^ stamp};  // payload word 0 carries the stamp
      std::memcpy(out, &head, 16);
      std::memcpy(out + 16, &second, 16);
      const WordPair keys = {key, key};
      for (std::size_t at = 32; at < size; at += 16) {  // payload words (at - 24) / 8 and the next
        WordPair words;
        std::memcpy(&words, pattern + (at - kFrameHeaderSize) / 8, 16);
        words ^= keys;
        std::memcpy(out + at, &words, 16);
      }
      return {out, size};
    }
  }
  return encode_words(sequence, size, stamp, slot);
}

enum class FrameStatus {
  kOk,         // check word, length, identity and every payload byte agree
  kTruncated,  // shorter than its header or than the length it declares
  kCorrupt,    // a byte differs from what its header's writer sent as that sequence, or a length
               // field that disagrees with the message
};

struct CheckedFrame {
  FrameStatus status = FrameStatus::kCorrupt;
  std::uint32_t writer = 0;    // meaningful only when kOk
  std::uint64_t sequence = 0;  // meaningful only when kOk
};

// Checks one received message on its own (sequence bookkeeping is FrameVerifier's). Derives the
// pattern word by word: FrameChecker is the same check for a reader's every message.
CheckedFrame check_frame(std::span<const std::byte> message, std::uint64_t seed) noexcept;

// check_frame() and frame_stamp() with the pattern laid out once, up to max_size (a longer message,
// which a broken channel may deliver, is checked the slow way).
class FrameChecker {
 public:
  FrameChecker(std::uint64_t seed, std::size_t max_size);
  [[nodiscard]] CheckedFrame check(std::span<const std::byte> message) const noexcept;
  [[nodiscard]] std::uint64_t stamp(std::span<const std::byte> message) const noexcept;

 private:
  [[nodiscard]] std::uint64_t writer_part(std::uint32_t writer) const noexcept;  // of every message key

  static constexpr std::uint32_t kCachedWriters = 64;  // stress's writers ≤ 64: their key parts laid out too
  std::uint64_t seed_;
  std::vector<std::uint64_t> pattern_;
  std::vector<std::uint64_t> writer_keys_;
};

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

// The sequence field of a message at least kFrameHeaderSize long, read as is, inline: for a reader
// that must decide right after its recv whether to read the clock (a claim only, like the above).
inline constexpr std::size_t kFrameSequenceOffset = 16;
inline std::uint64_t peek_sequence(std::span<const std::byte> message) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, message.data() + kFrameSequenceOffset, sizeof v);
  return v;
}

// For reports on a corrupt frame whose header is readable: the offset of the first payload byte
// that differs from what (seed, writer, sequence) would have produced, or nullopt (then the check
// word, the stamp bytes 24..32 — any value is legal there on its own — or the length is what is
// wrong).
std::optional<std::size_t> first_bad_byte(std::span<const std::byte> message, std::uint64_t seed) noexcept;

}  // namespace shmh
