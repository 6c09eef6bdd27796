#include "stress/scribbler.h"

#include <algorithm>
#include <atomic>

namespace shmh::stress {
namespace {

constexpr std::size_t kHeaderBytes = 4096;

template <class T>
T* at(std::span<std::byte> region, std::size_t offset) {
  return reinterpret_cast<T*>(region.data() + offset);
}

}  // namespace

Scribbler::Scribbler(std::span<std::byte> region, ScribbleHints hints, std::uint64_t seed) noexcept
    : region_(region), hints_(hints), rng_(seed ^ 0x7363726962626c65ULL) {}

std::uint64_t Scribbler::load(std::size_t offset, std::uint8_t width) const noexcept {
  switch (width) {
    case 8:
      return std::atomic_ref<std::uint64_t>(*at<std::uint64_t>(region_, offset)).load(std::memory_order_relaxed);
    case 4:
      return std::atomic_ref<std::uint32_t>(*at<std::uint32_t>(region_, offset)).load(std::memory_order_relaxed);
    default:
      return std::atomic_ref<std::uint8_t>(*at<std::uint8_t>(region_, offset)).load(std::memory_order_relaxed);
  }
}

void Scribbler::store(std::size_t offset, std::uint8_t width, std::uint64_t value) const noexcept {
  switch (width) {
    case 8:
      std::atomic_ref<std::uint64_t>(*at<std::uint64_t>(region_, offset)).store(value, std::memory_order_relaxed);
      return;
    case 4:
      std::atomic_ref<std::uint32_t>(*at<std::uint32_t>(region_, offset))
          .store(static_cast<std::uint32_t>(value), std::memory_order_relaxed);
      return;
    default:
      std::atomic_ref<std::uint8_t>(*at<std::uint8_t>(region_, offset))
          .store(static_cast<std::uint8_t>(value), std::memory_order_relaxed);
  }
}

std::uint64_t Scribbler::hostile_value(std::uint64_t current, std::uint8_t width) noexcept {
  const std::uint64_t r = rng_();
  if (width == 1) return (r & 1U) != 0 ? (r >> 8) & 0xffU : current ^ (1U << ((r >> 8) % 8));
  const std::uint64_t cap = hints_.capacity;
  const std::uint64_t max = hints_.max_message;
  const std::uint64_t sign = width == 8 ? std::uint64_t{1} << 63 : std::uint64_t{1} << 31;
  switch ((r >> 8) % 12) {
    case 0:
      return current + 1;
    case 1:
      return current - 1;
    case 2:
      return ~current;
    case 3:
      return 0;
    case 4:
      return ~std::uint64_t{0};
    case 5:
      return sign;
    case 6:
      return max + 1;
    case 7:
      return max - 1;
    case 8:
      return cap;
    case 9:
      return current + cap;
    case 10:
      return current ^ (std::uint64_t{1} << ((r >> 16) % (std::uint64_t{8} * width)));
    default:
      return rng_();
  }
}

std::size_t Scribbler::damage() noexcept {
  restore();
  if (region_.empty()) return 0;
  const auto base = reinterpret_cast<std::uintptr_t>(region_.data());  // NOLINT: alignment of the address
  const std::size_t count = 1 + rng_() % kMostPlaces;
  std::size_t written = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t r = rng_();
    const std::size_t span = (r & 1U) != 0 ? std::min(region_.size(), kHeaderBytes) : region_.size();
    std::uint8_t width = std::array<std::uint8_t, 4>{1, 4, 4, 8}[(r >> 1) % 4];
    std::size_t offset = (r >> 8) % span;
    // Aligned in memory (the channel's words are), and inside the region; else one byte.
    offset -= (base + offset) % width;
    if (offset + width > region_.size() || (base + offset) % width != 0) width = 1;
    if (offset >= region_.size()) offset = region_.size() - 1;
    const std::uint64_t before = load(offset, width);
    std::uint64_t value = hostile_value(before, width);
    if (width == 4) value &= 0xffffffffU;
    if (width == 1) value &= 0xffU;
    store(offset, width, value);
    last_[last_count_++] = Place{.offset = offset, .width = width, .before = before, .wrote = value};
    written += width;
  }
  places_ += count;
  return written;
}

void Scribbler::restore() noexcept {
  // Latest first: where two places overlap, the oldest value is what ends up there.
  while (last_count_ > 0) {
    const Place& p = last_[--last_count_];
    if (load(p.offset, p.width) == p.wrote) store(p.offset, p.width, p.before);
  }
}

}  // namespace shmh::stress
