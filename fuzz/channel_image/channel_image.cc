// channel_image: the input is the raw bytes of a `ring` segment — header, hot words, slots — as a
// broken or hostile peer could leave them. A reader attaches and drains it (and a writer tries to
// send): it must never crash, hang or touch memory outside the segment, only deliver messages no
// longer than the ring's maximum or report corruption.
//
// The segment is mapped between PROT_NONE guard pages, so a read or write past either end faults
// at once (ASan has no redzones around shared mappings: design notes §4). Seeds are valid rings
// holding messages (fuzz/channel_image/make_seeds.cc), so mutations reach past the header checks.
#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/channel/ring/ring.h"
#include "core/segment/memfd_segment.h"
#include "core/sys/sys.h"

namespace {

// The geometry every seed uses; inputs are copied over a segment of exactly this size.
constexpr std::uint64_t kCapacity = 8;
constexpr std::uint64_t kMaxMessage = 64;

struct GuardedSegment {
  shmh::MemfdSegment memfd;
  shmh::Mapping mapping;  // MAP_FIXED inside the reservation, between two PROT_NONE pages
  std::size_t size = 0;   // the ring's total size (the mapping is rounded up to pages)
};

GuardedSegment* g_segment = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  auto geometry = shmh::ring::plan(kCapacity, kMaxMessage);
  auto memfd = shmh::MemfdSegment::create({.name = "channel_image", .size = geometry->total_size});
  if (!memfd) {
    std::fprintf(stderr, "channel_image: %s\n", memfd.error().message().c_str());
    std::exit(2);  // NOLINT(concurrency-mt-unsafe): fuzzer init, single-threaded
  }
  const std::size_t page = shmh::sys::page_size();
  const std::size_t size = (geometry->total_size + page - 1) / page * page;
  auto reservation = shmh::sys::mmap(nullptr, size + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!reservation) std::exit(2);  // NOLINT(concurrency-mt-unsafe): fuzzer init, single-threaded
  auto* base = static_cast<std::byte*>(*reservation) + page;
  auto mapping = memfd->map({.length = size, .flags = MAP_SHARED | MAP_FIXED, .addr = base});
  if (!mapping) std::exit(2);  // NOLINT(concurrency-mt-unsafe): fuzzer init, single-threaded
  // Lives for the whole process: libFuzzer calls the target until it exits.
  g_segment =
      new GuardedSegment{std::move(*memfd), std::move(*mapping), static_cast<std::size_t>(geometry->total_size)};
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::byte* seg = g_segment->mapping.data();
  const std::size_t n = size < g_segment->size ? size : g_segment->size;
  std::memcpy(seg, data, n);
  std::memset(seg + n, 0, g_segment->size - n);

  auto ring = shmh::ring::Ring::attach({seg, g_segment->size});
  if (!ring) return 0;  // refused: the header did not validate — the right answer for garbage
  // The header may declare any geometry that fits the segment and carries a matching checksum
  // (libFuzzer learns checksums from the comparison), so the limits are the ring's, not the seeds'.
  const std::uint64_t max_message = ring->geometry().max_message;
  std::vector<std::byte> buf(std::max<std::size_t>(kMaxMessage, max_message + 1));
  shmh_error err{};
  for (int i = 0; i < 32; ++i) {
    const std::int64_t got = ring->recv(buf.data(), kMaxMessage, 0, &err);
    // A length past the receive buffer or the ring's maximum was trusted.
    if (got > static_cast<std::int64_t>(kMaxMessage) || got > static_cast<std::int64_t>(max_message)) __builtin_trap();
    if (got == SHMH_ETIMEOUT || got == SHMH_ECLOSED) break;
  }
  // One byte past the maximum is refused before anything in the segment is touched.
  if (ring->send(buf.data(), max_message + 1, 0, &err) != SHMH_ETOOBIG) __builtin_trap();
  const int sent = ring->send(buf.data(), max_message, 0, &err);
  if (sent != SHMH_OK && sent != SHMH_ETIMEOUT && sent != SHMH_ECORRUPT && sent != SHMH_ECLOSED) __builtin_trap();
  return 0;
}
