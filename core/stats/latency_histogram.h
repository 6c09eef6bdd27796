// LatencyHistogram: a log-bucketed histogram of durations in nanoseconds (the stress runner's
// send-to-receive latency). Values are grouped by their power of two and, within it, into 16
// linear sub-buckets, so a reported percentile is at most 1/16 (6.25%) above the true one and
// never below it; min and max are exact. Fixed size (1 KiB of counters), no allocation after
// construction, mergeable: each reader keeps its own and the runner merges them.
//
//   LatencyHistogram h;
//   h.record(1234);
//   h.percentile(0.99);           // an upper bound of the 99th percentile, in ns
//   auto bytes = h.to_bytes();    // to send to another process;
//   auto back = LatencyHistogram::from_bytes(bytes);   // validated: never trusts the bytes
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"

namespace shmh::stats {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 4;  // 16 sub-buckets per power of two
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits + 1) * kSub;

  void record(std::uint64_t ns) noexcept;
  void merge(const LatencyHistogram& other) noexcept;

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  // The smallest bucket bound at or below which a fraction q (0..1) of the values lie, capped by
  // max(): 0 when empty. q is clamped to [0, 1].
  [[nodiscard]] std::uint64_t percentile(double q) const noexcept;

  // Counts per power of two (values in [2^k, 2^(k+1)), the first bin [0, 16)): `upper` is the bin's
  // largest value. From the first non-empty bin to the last; empty when nothing was recorded.
  struct Bin {
    std::uint64_t upper = 0;
    std::uint64_t count = 0;
  };
  [[nodiscard]] std::vector<Bin> coarse_bins() const;

  // Little-endian: count, min, max, then the kBuckets counters.
  [[nodiscard]] std::vector<std::byte> to_bytes() const;
  // Refuses a wrong size, counters that do not add up to the count, a min above the max, and
  // values in buckets outside [min, max]: a message saying which.
  static Result<LatencyHistogram> from_bytes(std::span<const std::byte> bytes);

  // The bucket a value falls in, and the largest value of a bucket (exposed for tests).
  static int bucket_of(std::uint64_t ns) noexcept;
  static std::uint64_t bucket_upper(int bucket) noexcept;

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = ~std::uint64_t{0};
  std::uint64_t max_ = 0;
};

}  // namespace shmh::stats
