// LatencyHistogram: exact small values, the 6.25% upper bound against a sorted reference on random
// data across 9 orders of magnitude, merge, the extremes, and a wire format that refuses bytes
// that do not describe a histogram.
#include "core/stats/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace shmh::stats {
namespace {

std::uint64_t exact_percentile(std::vector<std::uint64_t> v, double q) {
  std::sort(v.begin(), v.end());
  const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))));
  return v[rank - 1];
}

TEST(LatencyHistogram, EmptyReportsZero) {
  const LatencyHistogram h;
  EXPECT_EQ(h.count(), 0U);
  EXPECT_EQ(h.percentile(0.5), 0U);
  EXPECT_EQ(h.min(), 0U);
  EXPECT_EQ(h.max(), 0U);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 0; v < 16; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.5), 7U);
  EXPECT_EQ(h.percentile(1.0), 15U);
  EXPECT_EQ(h.percentile(0.0), 0U);
  EXPECT_EQ(h.min(), 0U);
  EXPECT_EQ(h.max(), 15U);
}

TEST(LatencyHistogram, BucketsTileTheRangeWithoutGaps) {
  for (int b = 1; b < LatencyHistogram::kBuckets; ++b) {
    const std::uint64_t upper_prev = LatencyHistogram::bucket_upper(b - 1);
    ASSERT_EQ(LatencyHistogram::bucket_of(upper_prev), b - 1) << b;
    ASSERT_EQ(LatencyHistogram::bucket_of(upper_prev + 1), b) << b;
  }
  EXPECT_EQ(LatencyHistogram::bucket_upper(LatencyHistogram::kBuckets - 1), std::numeric_limits<std::uint64_t>::max());
}

TEST(LatencyHistogram, PercentilesAreUpperBoundsWithinOneSixteenth) {
  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 200'000; ++i) {
    // Log-uniform from 1 ns to ~1 s, as latencies are.
    const auto v = static_cast<std::uint64_t>(std::exp(std::uniform_real_distribution<double>(0, 20.7)(rng)));
    values.push_back(v);
    h.record(v);
  }
  for (double q : {0.01, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    const std::uint64_t truth = exact_percentile(values, q);
    const std::uint64_t got = h.percentile(q);
    EXPECT_GE(got, truth) << q;
    EXPECT_LE(static_cast<double>(got), static_cast<double>(truth) * (1.0 + 1.0 / 16) + 1) << q;
  }
  EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
  EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (std::uint64_t v = 1; v < 100'000; v = v * 3 + 1) {
    (v % 2 == 0 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.to_bytes(), all.to_bytes());
}

TEST(LatencyHistogram, ExtremesFit) {
  LatencyHistogram h;
  h.record(std::numeric_limits<std::uint64_t>::max());
  h.record(0);
  EXPECT_EQ(h.percentile(1.0), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(h.percentile(0.5), 0U);
}

TEST(LatencyHistogram, WireRoundTrip) {
  LatencyHistogram h;
  for (std::uint64_t v : {5U, 900U, 12'345U, 7'000'000U}) h.record(v);
  auto back = LatencyHistogram::from_bytes(h.to_bytes());
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->to_bytes(), h.to_bytes());
  EXPECT_EQ(back->percentile(0.75), h.percentile(0.75));
  auto empty = LatencyHistogram::from_bytes(LatencyHistogram().to_bytes());
  EXPECT_TRUE(empty.ok());
}

TEST(LatencyHistogram, WireRefusesWhatIsNotAHistogram) {
  LatencyHistogram h;
  h.record(100);
  h.record(5000);
  const std::vector<std::byte> good = h.to_bytes();
  auto with = [&](std::size_t at, std::uint64_t value) {  // one little-endian field replaced
    std::vector<std::byte> b = good;
    for (std::size_t i = 0; i < 8; ++i) b[at + i] = static_cast<std::byte>((value >> (8 * i)) & 0xff);
    return LatencyHistogram::from_bytes(b);
  };
  EXPECT_FALSE(LatencyHistogram::from_bytes(std::span(good).first(good.size() - 1)).ok());  // short
  EXPECT_FALSE(with(0, 3).ok());                                                            // count 3, but 2 counted
  EXPECT_FALSE(with(8, 255).ok());  // min in a bucket that holds nothing
  EXPECT_FALSE(with(16, 50).ok());  // max below min
  EXPECT_FALSE(with(24, 1).ok());   // a value the count does not include
  std::vector<std::byte> overflow = good;
  for (std::size_t i = 24; i < 40; ++i) overflow[i] = std::byte{0xff};  // two counters of 2^64-1
  EXPECT_FALSE(LatencyHistogram::from_bytes(overflow).ok());
}

TEST(LatencyHistogram, CoarseBinsArePowersOfTwoFromFirstToLastNonEmpty) {
  LatencyHistogram h;
  EXPECT_TRUE(h.coarse_bins().empty());
  h.record(100);   // [64, 128)
  h.record(120);   // [64, 128)
  h.record(5000);  // [4096, 8192)
  const auto bins = h.coarse_bins();
  ASSERT_EQ(bins.size(), 7U);  // 127, 255, 511, 1023, 2047, 4095, 8191
  EXPECT_EQ(bins.front().upper, 127U);
  EXPECT_EQ(bins.front().count, 2U);
  EXPECT_EQ(bins.back().upper, 8191U);
  EXPECT_EQ(bins.back().count, 1U);
  std::uint64_t total = 0;
  for (const auto& b : bins) total += b.count;
  EXPECT_EQ(total, h.count());
  for (std::size_t i = 1; i + 1 < bins.size(); ++i) EXPECT_EQ(bins[i].count, 0U) << i;
}

}  // namespace
}  // namespace shmh::stats
