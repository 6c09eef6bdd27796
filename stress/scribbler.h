// Scribbler: the hostile peer of the `hostile` workload — it rewrites bytes of a channel's shared
// memory the way a buggy or compromised process that shares the segment could. Each episode
// damages 1..4 places and later puts back what it wrote there unless a peer has written since (so
// the channel keeps moving and the damage lands on many states, not one; a peer's newer value is
// never reverted). A place is a byte (random value or one flipped bit) or an aligned 4- or 8-byte
// word set to a value that matters to an index or a length: the word ±1, its complement, 0, all
// ones, the sign bit, max_message ±1, the capacity, the word + capacity, or random. Half of the
// places fall in the first 4 KiB (where headers and indices usually are), half anywhere.
// Writes are relaxed atomics: the peers' processes read the same bytes while it runs.
//
//   Scribbler s(ch.shared_bytes(), {.capacity = 16, .max_message = 64}, seed);
//   s.damage();  ...the peers run...  s.restore();
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/random/splitmix.h"

namespace shmh::stress {

struct ScribbleHints {
  std::uint32_t capacity = 0;     // the channel's configured capacity (messages)
  std::uint32_t max_message = 0;  // and its longest message
};

class Scribbler {
 public:
  static constexpr std::size_t kMostPlaces = 4;  // per episode

  Scribbler(std::span<std::byte> region, ScribbleHints hints, std::uint64_t seed) noexcept;

  // Damages 1..kMostPlaces places (after restoring the previous episode's, if not done); returns
  // how many bytes it wrote. Nothing when the region is empty.
  std::size_t damage() noexcept;
  // Writes back, place by place, what was there before the last damage() where the place still
  // holds what damage() wrote.
  void restore() noexcept;
  [[nodiscard]] std::uint64_t places() const noexcept { return places_; }  // damaged so far

 private:
  struct Place {
    std::size_t offset = 0;
    std::uint8_t width = 0;  // 1, 4 or 8
    std::uint64_t before = 0;
    std::uint64_t wrote = 0;
  };
  [[nodiscard]] std::uint64_t load(std::size_t offset, std::uint8_t width) const noexcept;
  void store(std::size_t offset, std::uint8_t width, std::uint64_t value) const noexcept;
  [[nodiscard]] std::uint64_t hostile_value(std::uint64_t current, std::uint8_t width) noexcept;

  std::span<std::byte> region_;
  ScribbleHints hints_;
  SplitMix64 rng_;
  std::array<Place, kMostPlaces> last_{};
  std::size_t last_count_ = 0;
  std::uint64_t places_ = 0;
};

}  // namespace shmh::stress
