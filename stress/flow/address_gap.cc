#include "stress/flow/address_gap.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "core/random/splitmix.h"

namespace shmh::stress {
namespace {

// Pages per step of the gap: two peers' gaps differ by at least this much address space.
constexpr std::uint64_t kStepPages = 8;
// Incarnations told apart before the sizes repeat (a peer restarted 16 times reuses the first's).
constexpr std::uint64_t kIncarnations = 16;

// Holes are plugged only this close below the highest mapping (libraries, channels, the runner's
// mappings all live there); far below are the heap and a sanitizer's fixed ranges, left alone.
constexpr std::uint64_t kPlugWindow = std::uint64_t{64} << 30;
// The lowest address of the upper half the kernel gives user space on 64-bit Linux.
constexpr std::uint64_t kUserTop = std::uint64_t{1} << 47;

struct Range {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
};

// This process's mappings in user space, sorted; [stack], [vvar] and [vdso] left out (mmap does not
// place new mappings above them, and the stack may grow into the hole below it).
std::vector<Range> mappings() {
  std::vector<Range> out;
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return out;
  char line[512];
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    // "start-end perms ...", both hexadecimal.
    char* dash = nullptr;
    char* space = nullptr;
    const Range r{.start = std::strtoull(line, &dash, 16),
                  .end = *dash == '-' ? std::strtoull(dash + 1, &space, 16) : 0};
    if (*dash != '-' || space == nullptr || r.end <= r.start || r.end > kUserTop) continue;
    const std::string_view text(line);
    if (text.find("[stack") != std::string_view::npos || text.find("[vvar") != std::string_view::npos ||
        text.find("[vdso") != std::string_view::npos) {
      continue;
    }
    out.push_back(r);
  }
  (void)std::fclose(maps);
  std::sort(out.begin(), out.end(), [](const Range& a, const Range& b) { return a.start < b.start; });
  return out;
}

std::vector<std::uint64_t> mapping_starts() {
  std::vector<std::uint64_t> starts;
  for (const Range& r : mappings()) starts.push_back(r.start);
  return starts;
}

}  // namespace

AddressGap AddressGap::reserve(std::uint64_t seed, PeerId id, std::uint32_t incarnation) noexcept {
  const long page = ::sysconf(_SC_PAGESIZE);
  if (page <= 0) return {};
  AddressGap gap;
  const auto reserve_at = [&gap](void* at, std::size_t bytes) {
    const int fixed = at == nullptr ? 0 : MAP_FIXED_NOREPLACE;
    void* p = ::mmap(at, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | fixed, -1, 0);
    if (p == MAP_FAILED) return false;
    if (at != nullptr && p != at) {  // a kernel without MAP_FIXED_NOREPLACE took it as a hint
      (void)::munmap(p, bytes);
      return false;
    }
    gap.regions_.push_back(Region{.base = p, .bytes = bytes});
    return true;
  };
  // 1. Plug the holes near the top.
  const auto maps = mappings();
  if (!maps.empty()) {
    const std::uint64_t top = maps.back().start;
    for (std::size_t i = 1; i < maps.size(); ++i) {
      const Range& below = maps[i - 1];
      const Range& above = maps[i];
      if (below.end >= above.start || top - below.end > kPlugWindow) continue;
      (void)reserve_at(reinterpret_cast<void*>(below.end),  // NOLINT(performance-no-int-to-ptr): an address
                       static_cast<std::size_t>(above.start - below.end));
    }
  }
  // 2. The gap: distinct for every (role, index, incarnation mod 16): ordinal × 8 pages plus 0..7.
  const std::uint64_t ordinal = (incarnation % kIncarnations) * (std::uint64_t{2} * kMaxPeersPerRole) +
                                (id.role == Role::kReader ? kMaxPeersPerRole : 0) + id.index;
  const std::uint64_t jitter = derive_seed(seed, ordinal) % kStepPages;
  const auto bytes = static_cast<std::size_t>((1 + ordinal * kStepPages + jitter) * static_cast<std::uint64_t>(page));
  if (reserve_at(nullptr, bytes)) gap.bytes_ = bytes;
  return gap;
}

AddressGap::AddressGap(AddressGap&& other) noexcept
    : regions_(std::exchange(other.regions_, {})), bytes_(std::exchange(other.bytes_, 0)) {}

AddressGap& AddressGap::operator=(AddressGap&& other) noexcept {
  if (this != &other) {
    release();
    regions_ = std::exchange(other.regions_, {});
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

AddressGap::~AddressGap() { release(); }

void AddressGap::release() noexcept {
  for (const Region& r : regions_) (void)::munmap(r.base, r.bytes);
  regions_.clear();
}

MappingsBefore::MappingsBefore() : starts_(mapping_starts()) {}

std::uint64_t MappingsBefore::lowest_new() const {
  for (const std::uint64_t start : mapping_starts()) {
    if (!std::binary_search(starts_.begin(), starts_.end(), start)) return start;
  }
  return 0;
}

}  // namespace shmh::stress
