#include "core/framing/frame.h"

#include <cstring>

#include "core/check/pattern.h"
#include "core/random/splitmix.h"

namespace shmh {
namespace {

using frame_detail::check_word;
using frame_detail::kLengthOffset;
using frame_detail::kWriterOffset;
using frame_detail::message_key;
using frame_detail::WordPair;
constexpr std::size_t kSequenceOffset = kFrameSequenceOffset;

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

// The `n` (≤ 8) bytes at `at` as the low bytes of a word; stores the low `n` bytes of `v` at `at`.
// Whole words are one move each (a memcpy of a variable length would be a library call per message).
std::uint64_t load_part(const std::byte* at, std::size_t n) noexcept {
  std::uint64_t v = 0;
  if (n == 8) {
    std::memcpy(&v, at, 8);
  } else {
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{static_cast<std::uint8_t>(at[i])} << (8 * i);
  }
  return v;
}
void store_part(std::byte* at, std::uint64_t v, std::size_t n) noexcept {
  if (n == 8) {
    std::memcpy(at, &v, 8);
  } else {
    for (std::size_t i = 0; i < n; ++i) at[i] = static_cast<std::byte>(v >> (8 * i));
  }
}

std::uint64_t low_bytes_mask(std::size_t n) noexcept {
  return n >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * n)) - 1;
}

std::uint64_t pattern_seed(std::uint64_t seed) noexcept { return derive_seed(seed, 0x6672616d65ULL); }
std::uint64_t writer_key(std::uint64_t seed, std::uint32_t writer) noexcept {
  return derive_seed(seed ^ 0x6b6579ULL, writer);
}
// Pattern words: laid out once (a writer's, a FrameChecker's) or derived one by one.
struct LaidOut {
  const std::uint64_t* words;
  std::uint64_t operator[](std::size_t i) const noexcept { return words[i]; }
};
struct Derived {
  std::uint64_t seed;  // pattern_seed()
  std::uint64_t operator[](std::size_t i) const noexcept { return pattern_word(seed, i); }
};

template <class Pattern>
void encode_with(std::span<std::byte> out, std::uint32_t writer, std::uint64_t key, std::uint64_t sequence,
                 std::uint64_t stamp, const Pattern& pattern) noexcept {
  const std::size_t payload = out.size() - kFrameHeaderSize;
  stamp &= low_bytes_mask(frame_stamp_bytes(out.size()));
  std::byte* p = out.data() + kFrameHeaderSize;
  const std::size_t words = payload / 8;
  // Word 0 carries the stamp: XORed in a register, not into the stored word (a load of a word just
  // stored waits for it: perf put 18 % of the writer's encode there).
  for (std::size_t i = 0; i < words; ++i) {
    const std::uint64_t v = pattern[i] ^ key ^ (i == 0 ? stamp : 0);
    std::memcpy(p + 8 * i, &v, 8);
  }
  if (payload % 8 != 0) store_part(p + 8 * words, pattern[words] ^ key ^ (words == 0 ? stamp : 0), payload % 8);
  store(out, 0, check_word(key, out.size(), stamp));
  store(out, kWriterOffset, writer);
  store(out, kLengthOffset, static_cast<std::uint32_t>(out.size()));
  store(out, kSequenceOffset, sequence);
}

// The stamp an intact frame of (key) carries in its first payload word.
template <class Pattern>
inline std::uint64_t stamp_of(std::span<const std::byte> message, std::uint64_t key, const Pattern& pattern) noexcept {
  const std::size_t n = frame_stamp_bytes(message.size());
  if (n == 0) return 0;
  return (load_part(message.data() + kFrameHeaderSize, n) ^ pattern[0] ^ key) & low_bytes_mask(n);
}

// The OR of (payload word ^ pattern ^ key) over words [first, end), the last one cut at the
// message's end: zero when every one of those payload bytes is what the writer sent. No branch per word.
template <class Pattern>
std::uint64_t payload_diff(std::span<const std::byte> message, const Pattern& pattern, std::uint64_t key,
                           std::size_t first) noexcept {
  const std::byte* p = message.data() + kFrameHeaderSize;
  const std::size_t payload = message.size() - kFrameHeaderSize;
  const std::size_t words = payload / 8;
  std::uint64_t diff = 0;
  for (std::size_t i = first; i < words; ++i) {
    std::uint64_t v;
    std::memcpy(&v, p + 8 * i, 8);
    diff |= v ^ pattern[i] ^ key;
  }
  if (words >= 1 && payload % 8 != 0) {
    const std::size_t n = payload % 8;
    diff |= (load_part(p + 8 * words, n) ^ pattern[words] ^ key) & low_bytes_mask(n);
  }
  return diff;
}

// Whether any payload byte after word 0 differs from what the writer sent.
template <class Pattern>
bool payload_differs(std::span<const std::byte> message, const Pattern& pattern, std::uint64_t key) noexcept {
  return payload_diff(message, pattern, key, 1) != 0;
}

// The same with the pattern laid out: two words per step in 16-byte vectors first (the reader
// checks every message: ReceptionCost in stress_bench).
bool payload_differs(std::span<const std::byte> message, const LaidOut& pattern, std::uint64_t key) noexcept {
  const std::byte* p = message.data() + kFrameHeaderSize;
  const std::size_t words = (message.size() - kFrameHeaderSize) / 8;
  const WordPair keys = {key, key};
  WordPair diff = {0, 0};
  std::size_t i = 1;
  for (; i + 2 <= words; i += 2) {
    WordPair v;
    WordPair pat;
    std::memcpy(&v, p + 8 * i, sizeof v);
    std::memcpy(&pat, pattern.words + i, sizeof pat);
    diff |= v ^ pat ^ keys;
  }
  return (diff[0] | diff[1] | payload_diff(message, pattern, key, i)) != 0;
}

// `writer_key_of(writer)`: the writer's part of the key, laid out or derived.
template <class Pattern, class WriterKey>
CheckedFrame check_with(std::span<const std::byte> message, const Pattern& pattern,
                        const WriterKey& writer_key_of) noexcept {
  if (message.size() < kFrameHeaderSize) return {FrameStatus::kTruncated};
  const auto length = load<std::uint32_t>(message, kLengthOffset);
  if (length > message.size() && length <= (std::uint64_t{1} << 31)) {
    // Declares more than arrived: cut short in transit (unless the header itself is garbage).
    return {FrameStatus::kTruncated};
  }
  if (length != message.size()) return {FrameStatus::kCorrupt};
  const auto writer = load<std::uint32_t>(message, kWriterOffset);
  const auto sequence = load<std::uint64_t>(message, kSequenceOffset);
  const std::uint64_t key = message_key(writer_key_of(writer), sequence);
  if (load<std::uint64_t>(message, 0) != check_word(key, message.size(), stamp_of(message, key, pattern))) {
    return {FrameStatus::kCorrupt};
  }
  // Word 0 is the stamp's, bound by the check word; every later byte is compared.
  if (payload_differs(message, pattern, key)) return {FrameStatus::kCorrupt};
  return {FrameStatus::kOk, writer, sequence};
}

std::size_t pattern_words(std::size_t max_size) noexcept {
  return max_size <= kFrameHeaderSize ? 1 : (max_size - kFrameHeaderSize + 7) / 8;
}

std::vector<std::uint64_t> lay_out(std::uint64_t seed, std::size_t max_size) {
  std::vector<std::uint64_t> words(pattern_words(max_size));
  for (std::size_t i = 0; i < words.size(); ++i) words[i] = pattern_word(pattern_seed(seed), i);
  return words;
}

}  // namespace

void encode_frame(std::span<std::byte> out, std::uint64_t seed, std::uint32_t writer, std::uint64_t sequence) noexcept {
  encode_with(out, writer, message_key(writer_key(seed, writer), sequence), sequence, 0, Derived{pattern_seed(seed)});
}

FrameWriter::FrameWriter(std::uint64_t seed, std::uint32_t writer, std::size_t max_size, std::size_t slots)
    : writer_(writer),
      writer_key_(writer_key(seed, writer)),
      pattern_(lay_out(seed, max_size)),
      stride_(((max_size < kFrameHeaderSize ? kFrameHeaderSize : max_size) + 63) / 64 * 64),
      buffer_(stride_ * (slots == 0 ? 1 : slots) + 63) {
  // A frame that starts on a cache line is one line for a 64-byte message, not two (the channel's
  // copy of it loads both).
  first_ = (64 - reinterpret_cast<std::uintptr_t>(buffer_.data()) % 64) % 64;
}

std::span<const std::byte> FrameWriter::encode_words(std::uint64_t sequence, std::size_t size, std::uint64_t stamp,
                                                     std::size_t slot) noexcept {
  auto out = std::span(buffer_).subspan(slot_offset(slot), size);
  encode_with(out, writer_, message_key(writer_key_, sequence), sequence, stamp, LaidOut{pattern_.data()});
  return out;
}

CheckedFrame check_frame(std::span<const std::byte> message, std::uint64_t seed) noexcept {
  return check_with(message, Derived{pattern_seed(seed)}, [seed](std::uint32_t w) { return writer_key(seed, w); });
}

FrameChecker::FrameChecker(std::uint64_t seed, std::size_t max_size)
    : seed_(seed), pattern_(lay_out(seed, max_size)), writer_keys_(kCachedWriters) {
  for (std::uint32_t w = 0; w < kCachedWriters; ++w) writer_keys_[w] = writer_key(seed, w);
}

std::uint64_t FrameChecker::writer_part(std::uint32_t writer) const noexcept {
  return writer < kCachedWriters ? writer_keys_[writer] : writer_key(seed_, writer);
}

CheckedFrame FrameChecker::check(std::span<const std::byte> message) const noexcept {
  if (pattern_words(message.size()) > pattern_.size()) return check_frame(message, seed_);
  return check_with(message, LaidOut{pattern_.data()}, [this](std::uint32_t w) { return writer_part(w); });
}

std::uint64_t FrameChecker::stamp(std::span<const std::byte> message) const noexcept {
  if (message.size() < kFrameHeaderSize) return 0;
  const std::uint64_t key = message_key(writer_part(load<std::uint32_t>(message, kWriterOffset)),
                                        load<std::uint64_t>(message, kSequenceOffset));
  return stamp_of(message, key, LaidOut{pattern_.data()});
}

std::optional<FrameClaim> claimed_identity(std::span<const std::byte> message) noexcept {
  if (message.size() < kFrameHeaderSize) return std::nullopt;
  return FrameClaim{.writer = load<std::uint32_t>(message, kWriterOffset),
                    .sequence = load<std::uint64_t>(message, kSequenceOffset)};
}

std::uint64_t frame_stamp(std::span<const std::byte> message, std::uint64_t seed) noexcept {
  if (message.size() < kFrameHeaderSize) return 0;
  const std::uint64_t key = message_key(writer_key(seed, load<std::uint32_t>(message, kWriterOffset)),
                                        load<std::uint64_t>(message, kSequenceOffset));
  return stamp_of(message, key, Derived{pattern_seed(seed)});
}

std::optional<std::size_t> first_bad_byte(std::span<const std::byte> message, std::uint64_t seed) noexcept {
  if (message.size() < kFrameHeaderSize) return std::nullopt;
  const std::uint64_t key = message_key(writer_key(seed, load<std::uint32_t>(message, kWriterOffset)),
                                        load<std::uint64_t>(message, kSequenceOffset));
  const Derived pattern{pattern_seed(seed)};
  for (std::size_t at = kFrameHeaderSize + 8; at < message.size(); ++at) {
    const std::size_t offset = at - kFrameHeaderSize;
    const std::uint64_t expected = pattern[offset / 8] ^ key;
    if (static_cast<std::uint8_t>(message[at]) != static_cast<std::uint8_t>(expected >> (8 * (offset % 8)))) return at;
  }
  return std::nullopt;
}

}  // namespace shmh
