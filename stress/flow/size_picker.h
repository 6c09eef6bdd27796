// SizePicker: the message sizes a writer sends. A quarter land on the edges (MIN, MIN+1, MAX-1, MAX,
// the small-message boundaries 0, 1, 7, 8, 15, 16, 23, 24, 25, 31, 32, 33 and the 8-byte residues
// around 64 and 128), the rest uniform in MIN..MAX — so odd sizes, both limits, word and
// slot-size boundaries all occur in every phase. The size of a message is a function of (the
// writer's seed, its sequence), so a reader can tell the size a message must have.
//
//   SizePicker sizes(0, 4092);
//   std::uint32_t n = sizes.at(writer_seed, seq);
#pragma once

#include <cstdint>
#include <vector>

#include "core/random/splitmix.h"

namespace shmh::stress {

class SizePicker {
 public:
  // Precondition: min <= max.
  SizePicker(std::uint32_t min, std::uint32_t max);
  std::uint32_t operator()(SplitMix64& rng) const noexcept;
  // The size of message `sequence` of the writer whose seed is `writer_seed`. Inline: the writer
  // asks once a message (one size: no mix, no call).
  [[nodiscard]] std::uint32_t at(std::uint64_t writer_seed, std::uint64_t sequence) const noexcept {
    if (span_ == 1) return min_;
    SplitMix64 rng(derive_seed(writer_seed, sequence));
    return (*this)(rng);
  }

 private:
  std::uint32_t min_;
  std::uint64_t span_;
  std::vector<std::uint32_t> edges_;
};

}  // namespace shmh::stress
