// FrameVerifier: classifies every received message of a run — ok, corrupt, truncated, duplicate,
// reordered (arrived after a later message of the same writer), unknown writer — and keeps the
// counts. Memory grows with the highest sequence seen per writer (one bit per message), reserved in
// chunks, so the per-message path does not allocate.
//
//   shmh::FrameVerifier v(seed, /*writers=*/4);
//   switch (v.verify(message)) { case shmh::Verdict::kOk: ... }
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace shmh {

enum class Verdict { kOk, kCorrupt, kTruncated, kDuplicate, kReordered, kUnknownWriter };

// "ok", "corrupt", "truncated", "duplicate", "reordered", "unknown-writer".
const char* to_string(Verdict v) noexcept;

struct VerifierCounts {
  std::uint64_t ok = 0;
  std::uint64_t corrupt = 0;
  std::uint64_t truncated = 0;
  std::uint64_t duplicate = 0;
  std::uint64_t reordered = 0;
  std::uint64_t unknown_writer = 0;
};

class FrameVerifier {
 public:
  FrameVerifier(std::uint64_t seed, std::uint32_t writers);

  // Checks and records one received message. A reordered message is also counted as received
  // (it is not lost); a duplicate is not.
  Verdict verify(std::span<const std::byte> message);
  // Records a message whose frame is known good (e.g. checked elsewhere): sequence bookkeeping only.
  Verdict record(std::uint32_t writer, std::uint64_t sequence);

  [[nodiscard]] const VerifierCounts& counts() const { return counts_; }
  // Distinct messages of `writer` received (ok + reordered).
  [[nodiscard]] std::uint64_t received_from(std::uint32_t writer) const;
  // Whether `sequence` of `writer` has arrived.
  [[nodiscard]] bool seen(std::uint32_t writer, std::uint64_t sequence) const;

 private:
  struct Writer {
    std::vector<std::uint64_t> bits;  // bit s: sequence s arrived
    std::uint64_t next = 0;           // one past the highest sequence seen
    std::uint64_t distinct = 0;
  };
  std::uint64_t seed_;
  std::vector<Writer> writers_;
  VerifierCounts counts_;
};

}  // namespace shmh
