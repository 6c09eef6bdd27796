#include "core/framing/frame_verifier.h"

#include <algorithm>

#include "core/framing/frame.h"

namespace shmh {

const char* to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::kOk:
      return "ok";
    case Verdict::kCorrupt:
      return "corrupt";
    case Verdict::kTruncated:
      return "truncated";
    case Verdict::kDuplicate:
      return "duplicate";
    case Verdict::kReordered:
      return "reordered";
    case Verdict::kUnknownWriter:
      return "unknown-writer";
  }
  return "?";
}

FrameVerifier::FrameVerifier(std::uint64_t seed, std::uint32_t writers) : seed_(seed), writers_(writers) {
  for (auto& w : writers_) w.bits.reserve(1024);
}

Verdict FrameVerifier::verify(std::span<const std::byte> message) {
  const CheckedFrame f = check_frame(message, seed_);
  switch (f.status) {
    case FrameStatus::kOk:
      return record(f.writer, f.sequence);
    case FrameStatus::kTruncated:
      ++counts_.truncated;
      return Verdict::kTruncated;
    case FrameStatus::kCorrupt:
      ++counts_.corrupt;
      return Verdict::kCorrupt;
  }
  ++counts_.corrupt;
  return Verdict::kCorrupt;
}

Verdict FrameVerifier::record(std::uint32_t writer, std::uint64_t sequence) {
  if (writer >= writers_.size()) {
    ++counts_.unknown_writer;
    return Verdict::kUnknownWriter;
  }
  Writer& w = writers_[writer];
  const std::size_t word = sequence / 64;
  const std::uint64_t bit = std::uint64_t{1} << (sequence % 64);
  if (word >= w.bits.size()) {
    // Grow geometrically (amortised: no allocation on most messages).
    if (word >= w.bits.capacity()) w.bits.reserve(std::max<std::size_t>(word + 1, 2 * w.bits.capacity()));
    w.bits.resize(word + 1, 0);
  }
  if ((w.bits[word] & bit) != 0) {
    ++counts_.duplicate;
    return Verdict::kDuplicate;
  }
  w.bits[word] |= bit;
  ++w.distinct;
  if (sequence + 1 < w.next) {
    ++counts_.reordered;
    return Verdict::kReordered;
  }
  w.next = sequence + 1;
  ++counts_.ok;
  return Verdict::kOk;
}

std::uint64_t FrameVerifier::received_from(std::uint32_t writer) const {
  return writer < writers_.size() ? writers_[writer].distinct : 0;
}

bool FrameVerifier::seen(std::uint32_t writer, std::uint64_t sequence) const {
  if (writer >= writers_.size()) return false;
  const auto& bits = writers_[writer].bits;
  const std::size_t word = sequence / 64;
  return word < bits.size() && (bits[word] & (std::uint64_t{1} << (sequence % 64))) != 0;
}

}  // namespace shmh
