#include "stress/flow/size_picker.h"

#include "core/check.h"

namespace shmh::stress {

SizePicker::SizePicker(std::uint32_t min, std::uint32_t max) : min_(min), span_(std::uint64_t{max} - min + 1) {
  SHMH_CHECK(min <= max, "SizePicker needs min <= max");
  for (const std::uint32_t s : {min, min + 1, max - 1, max, 0U,  1U,  7U,  8U,  15U,  16U,  23U,
                                24U, 25U,     31U,     32U, 33U, 63U, 64U, 65U, 127U, 128U, 129U}) {
    if (s >= min && s <= max) edges_.push_back(s);
  }
}

std::uint32_t SizePicker::operator()(SplitMix64& rng) const noexcept {
  if (span_ == 1) return min_;
  const std::uint64_t r = rng();
  if ((r & 3U) == 0) return edges_[(r >> 2) % edges_.size()];
  return min_ + static_cast<std::uint32_t>((r >> 2) % span_);
}

}  // namespace shmh::stress
