// SizePicker: the message sizes a writer sends, from its seeded stream. A quarter land on the edges
// (MIN, MIN+1, MAX-1, MAX and the 8-byte residues around 64 and 128), the rest uniform in
// MIN..MAX — so odd sizes, both limits and slot-size boundaries all occur in every phase.
//
//   SizePicker sizes(24, 4092);
//   SplitMix64 rng(seed);
//   std::uint32_t n = sizes(rng);
#pragma once

#include <cstdint>
#include <vector>

#include "core/random/splitmix.h"

namespace shmh::stress {

class SizePicker {
 public:
  // Precondition: min <= max.
  SizePicker(std::uint32_t min, std::uint32_t max);
  std::uint32_t operator()(SplitMix64& rng) noexcept;

 private:
  std::uint32_t min_;
  std::uint64_t span_;
  std::vector<std::uint32_t> edges_;
};

}  // namespace shmh::stress
