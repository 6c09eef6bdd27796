#include "core/stats/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace shmh::stats {

// Values below kSub have a bucket each; above, bucket = (exponent block) * kSub + the kSubBits bits
// after the leading one.
int LatencyHistogram::bucket_of(std::uint64_t ns) noexcept {
  if (ns < kSub) return static_cast<int>(ns);
  const int top = 63 - std::countl_zero(ns);  // position of the leading one, >= kSubBits
  const int shift = top - kSubBits;
  const auto sub = static_cast<int>((ns >> shift) & (kSub - 1));
  return (shift + 1) * kSub + sub;
}

std::uint64_t LatencyHistogram::bucket_upper(int bucket) noexcept {
  if (bucket < kSub) return static_cast<std::uint64_t>(bucket);
  const int shift = bucket / kSub - 1;
  const auto sub = static_cast<std::uint64_t>(bucket % kSub);
  const std::uint64_t lower = (std::uint64_t{kSub} + sub) << shift;
  const std::uint64_t width = std::uint64_t{1} << shift;
  return lower + (width - 1);  // cannot overflow: the top bucket ends at 2^64 - 1
}

void LatencyHistogram::record(std::uint64_t ns) noexcept {
  ++counts_[static_cast<std::size_t>(bucket_of(ns))];
  ++count_;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::uint64_t LatencyHistogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the value asked for, 1-based: at least one value.
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucket_upper(static_cast<int>(i)), max_);
  }
  return max_;
}

std::vector<LatencyHistogram::Bin> LatencyHistogram::coarse_bins() const {
  std::vector<Bin> bins;
  std::size_t first = 0;
  std::size_t last = 0;  // one past the last non-empty bin
  for (int group = 0; group < kBuckets / kSub; ++group) {
    Bin bin{.upper = bucket_upper((group * kSub) + kSub - 1), .count = 0};
    const auto base = static_cast<std::size_t>(group) * kSub;
    for (std::size_t sub = 0; sub < kSub; ++sub) bin.count += counts_[base + sub];
    if (bin.count != 0) {
      if (last == 0) first = bins.size();
      last = bins.size() + 1;
    }
    bins.push_back(bin);
  }
  if (last == 0) return {};
  return {bins.begin() + static_cast<std::ptrdiff_t>(first), bins.begin() + static_cast<std::ptrdiff_t>(last)};
}

namespace {

void put(std::vector<std::byte>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xff));
}

std::uint64_t get(std::span<const std::byte> in, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::to_integer<std::uint64_t>(in[at + static_cast<std::size_t>(i)]) << (8 * i);
  return v;
}

constexpr std::size_t kWireSize = std::size_t{3 + LatencyHistogram::kBuckets} * 8;

}  // namespace

std::vector<std::byte> LatencyHistogram::to_bytes() const {
  std::vector<std::byte> out;
  out.reserve(kWireSize);
  put(out, count_);
  put(out, min());
  put(out, max_);
  for (std::uint64_t c : counts_) put(out, c);
  return out;
}

Result<LatencyHistogram> LatencyHistogram::from_bytes(std::span<const std::byte> bytes) {
  auto bad = [](const std::string& what) { return logic_error("latency histogram", what); };
  if (bytes.size() != kWireSize) {
    return bad(std::to_string(bytes.size()) + " bytes, expected " + std::to_string(kWireSize));
  }
  LatencyHistogram h;
  const std::uint64_t count = get(bytes, 0);
  const std::uint64_t min = get(bytes, 8);
  const std::uint64_t max = get(bytes, 16);
  std::uint64_t sum = 0;
  int lowest = kBuckets;
  int highest = -1;
  for (int i = 0; i < kBuckets; ++i) {
    const std::uint64_t c = get(bytes, 24 + 8 * static_cast<std::size_t>(i));
    if (c == 0) continue;
    if (sum + c < sum) return bad("counters overflow");
    sum += c;
    lowest = std::min(lowest, i);
    highest = std::max(highest, i);
    h.counts_[static_cast<std::size_t>(i)] = c;
  }
  if (sum != count)
    return bad("counters add up to " + std::to_string(sum) + ", not the count " + std::to_string(count));
  if (count != 0) {
    if (min > max) return bad("min above max");
    if (bucket_of(min) != lowest || bucket_of(max) != highest) return bad("min or max outside the counted buckets");
    h.min_ = min;
    h.max_ = max;
  } else if (min != 0 || max != 0) {
    return bad("an empty histogram with a min or max");
  }
  h.count_ = count;
  return h;
}

}  // namespace shmh::stats
