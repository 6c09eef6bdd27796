// Segment lifecycle cost per backend: create + attach/map + touch every page + detach + remove,
// at 4 KiB, 1 MiB and 64 MiB. items_per_second = whole lifecycles per second; bytes_per_second =
// segment bytes per second. The memset baseline (anonymous memory touched the same way) in the same
// run tells how much of the cost is the kernel's page faulting rather than the shm API.
//
//   build/default/bench/segment_bench --benchmark_min_time=0.2
//
// Runs in a private IPC + mount namespace (core/sandbox) so an interrupted run leaks nothing.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstdio>
#include <cstring>

#include "core/segment/memfd_segment.h"
#include "core/segment/posix_segment.h"
#include "core/segment/sysv_segment.h"
#include "core/sys/sys.h"

namespace {

using shmh::Mapping;

void touch_pages(const Mapping& m, std::size_t page) {
  for (std::size_t off = 0; off < m.size(); off += page) m.data()[off] = std::byte{1};
  benchmark::ClobberMemory();
}

template <class Lifecycle>
void run_lifecycle(benchmark::State& state, Lifecycle&& lifecycle) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::size_t page = shmh::sys::page_size();
  for (auto _ : state) {
    if (auto err = lifecycle(size, page); !err.empty()) {
      state.SkipWithError(err.c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

void BM_Lifecycle_sysv(benchmark::State& state) {
  run_lifecycle(state, [](std::size_t size, std::size_t page) -> std::string {
    auto seg = shmh::SysvSegment::create({.size = size});
    if (!seg) return seg.error().message();
    auto map = seg->attach();
    if (!map) return map.error().message();
    touch_pages(*map, page);
    if (auto r = map->unmap(); !r) return r.error().message();
    if (auto r = seg->remove(); !r) return r.error().message();
    return {};
  });
}

// POSIX and memfd share the mmap half of the lifecycle; only how the object is made differs.
template <class Create>
void fd_lifecycle(benchmark::State& state, Create create) {
  run_lifecycle(state, [&create](std::size_t size, std::size_t page) -> std::string {
    auto seg = create(size);
    if (!seg) return seg.error().message();
    auto map = seg->map();
    if (!map) return map.error().message();
    touch_pages(*map, page);
    if (auto r = map->unmap(); !r) return r.error().message();
    if (auto r = seg->remove(); !r) return r.error().message();
    return {};
  });
}

void BM_Lifecycle_posix(benchmark::State& state) {
  fd_lifecycle(state,
               [](std::size_t size) { return shmh::PosixSegment::create({.name = "/shmh-bench", .size = size}); });
}

void BM_Lifecycle_memfd(benchmark::State& state) {
  fd_lifecycle(state,
               [](std::size_t size) { return shmh::MemfdSegment::create({.name = "shmh-bench", .size = size}); });
}

// Baseline: private anonymous memory, mapped, touched and unmapped the same way.
void BM_Lifecycle_anon_baseline(benchmark::State& state) {
  run_lifecycle(state, [](std::size_t size, std::size_t page) -> std::string {
    auto p = shmh::sys::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!p) return p.error().message();
    Mapping map(Mapping::Kind::kMmap, *p, size);
    touch_pages(map, page);
    return {};
  });
}

#define SHMH_SIZES ->Arg(4 << 10)->Arg(1 << 20)->Arg(64 << 20)->Unit(benchmark::kMicrosecond)
BENCHMARK(BM_Lifecycle_sysv) SHMH_SIZES;
BENCHMARK(BM_Lifecycle_posix) SHMH_SIZES;
BENCHMARK(BM_Lifecycle_memfd) SHMH_SIZES;
BENCHMARK(BM_Lifecycle_anon_baseline) SHMH_SIZES;
#undef SHMH_SIZES

}  // namespace
