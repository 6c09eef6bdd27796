// Channel throughput and latency, one writer process → one reader process, every channel and its
// baselines in the same run (ratios, never absolute times, are the goals — README "Benchmarks").
//
//   build/default/bench/channel_bench --benchmark_min_time=0.5
//
// Rows (names carry the channel):
//   Stream/<channel>/64        64-byte framed messages; the reader verifies every frame (FrameChecker)
//                              and its sequence. ring, boost-mq, pipe, and spsc-limit: a minimal
//                              unverified spin-only SPSC ring, the upper bound for 64 B.
//   Stream/<channel>/65536     64 KiB framed messages; memcpy-limit: memcpy of 64 KiB into a
//                              ring-sized rotating buffer in one process, the bandwidth bound.
//   PingPong/<channel>         round trip of one 64-byte message; pingpong-raw: one cache line
//                              each way between two processes, the latency bound.
// Counters: items_per_second, bytes_per_second; rss_anon_kib / writer_rss_anon_kib = the reader's
// and the writer's private resident memory (RssAnon) at the end — what a peer costs beyond the
// segment (the segment itself is RssShmem and not counted).
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "core/channel/channel.h"
#include "core/channel/channel_registry.h"
#include "core/framing/frame.h"
#include "core/process/child_process.h"
#include "core/sys/sys.h"

namespace {

using shmh::Channel;
using shmh::ChildProcess;
using shmh::ChildReport;

constexpr std::uint64_t kSeed = 0xbe4c;
constexpr std::int64_t kMs = 1'000'000;

inline void cpu_relax() { __builtin_ia32_pause(); }

// A flag in MAP_SHARED anonymous memory, inherited by forked children: how the parent stops them.
struct StopFlag {
  std::atomic<std::uint32_t>* flag = nullptr;
  StopFlag() {
    auto p = shmh::sys::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p) flag = new (*p) std::atomic<std::uint32_t>(0);
  }
  ~StopFlag() {
    if (flag != nullptr) (void)shmh::sys::munmap(flag, 4096);
  }
  StopFlag(const StopFlag&) = delete;
  StopFlag& operator=(const StopFlag&) = delete;
  [[nodiscard]] bool stopped() const { return flag->load(std::memory_order_relaxed) != 0; }
  void stop() { flag->store(1, std::memory_order_relaxed); }
};

std::uint64_t rss_anon_kib() {
  auto status = shmh::sys::read_file("/proc/self/status");
  if (!status) return 0;
  std::istringstream in(*status);
  std::string key;
  while (in >> key) {
    std::uint64_t v = 0;
    if (key == "RssAnon:" && in >> v) return v;
    std::getline(in, key);
  }
  return 0;
}

shmh_channel_config config_for(std::size_t size) {
  const bool big = size > 4096;
  return {
      .capacity = big ? 64U : 1024U, .max_message = static_cast<std::uint32_t>(size), .backend = SHMH_BACKEND_MEMFD};
}

// Writer → reader through a channel; the reader (this process, measured) verifies every frame.
void BM_Stream(benchmark::State& state, const char* channel_name) {
  const auto size = static_cast<std::size_t>(state.range(0));
  auto source = shmh::resolve_channel(channel_name);
  if (!source) return state.SkipWithError(source.error().message().c_str());
  auto config = config_for(size);
  if (std::string(channel_name) == "pipe") config.capacity = 256;  // fs.pipe-max-size default: 1 MiB
  auto ch = Channel::create(*source->vtable, config);
  if (!ch) return state.SkipWithError(ch.error().message().c_str());
  StopFlag stop;
  const std::string address = ch->address();
  const auto* vt = source->vtable;
  auto writer = ChildProcess::spawn([&]() -> ChildReport {
    auto peer = Channel::open(*vt, address);
    if (!peer) return peer.error().message();
    shmh::FrameWriter frames(kSeed, 0, size);
    for (std::uint64_t seq = 0; !stop.stopped();) {
      const auto frame = frames.encode(seq, size);
      const int rc = peer->send(frame, 50 * kMs);
      if (rc == SHMH_OK)
        ++seq;
      else if (rc != SHMH_ETIMEOUT)
        return peer->last_error().message;
    }
    return ChildReport{0, std::to_string(rss_anon_kib())};  // exit 0; the message carries its RSS
  });
  if (!writer) return state.SkipWithError(writer.error().message().c_str());

  const std::size_t batch = size > 4096 ? 256 : 16384;
  std::vector<std::byte> buf(size);
  const shmh::FrameChecker checker(kSeed, size);
  std::uint64_t expected = 0;
  std::string failure;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's idiom
    for (std::size_t i = 0; i < batch && failure.empty(); ++i) {
      const std::int64_t n = ch->recv(buf, 5000 * kMs);
      if (n < 0) {
        failure = std::string("recv: ") + ch->last_error().message;
      } else {
        const auto f = checker.check(std::span(buf).first(static_cast<std::size_t>(n)));
        if (f.status != shmh::FrameStatus::kOk || f.sequence != expected++) failure = "bad frame or order";
      }
    }
    if (!failure.empty()) break;
  }
  stop.stop();
  if (auto exit = writer->wait(std::chrono::milliseconds(5000)); !exit || !exit->ok()) {
    if (failure.empty()) failure = exit ? "writer " + exit->describe() : exit.error().message();
  } else {
    state.counters["writer_rss_anon_kib"] = std::strtod(exit->message.c_str(), nullptr);
  }
  state.counters["rss_anon_kib"] = static_cast<double>(rss_anon_kib());
  (void)ch->destroy();
  if (!failure.empty()) return state.SkipWithError(failure.c_str());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch * size));
}

// The limit for 64 B: a minimal single-producer single-consumer spin ring in shared memory, no
// framing, no verification, no blocking — what a channel cannot beat.
struct alignas(64) Spsc {
  static constexpr std::uint64_t kSlots = 1024;
  alignas(64) std::atomic<std::uint64_t> head{0};
  alignas(64) std::atomic<std::uint64_t> tail{0};
  alignas(64) std::byte slots[kSlots][64];
};

void BM_Stream_spsc_limit(benchmark::State& state) {
  auto mem = shmh::sys::mmap(nullptr, sizeof(Spsc), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (!mem) return state.SkipWithError(mem.error().message().c_str());
  auto* q = new (*mem) Spsc();
  StopFlag stop;
  auto writer = ChildProcess::spawn([&]() -> ChildReport {
    std::byte msg[64] = {};
    for (std::uint64_t h = 0; !stop.stopped(); ++h) {
      while (h - q->tail.load(std::memory_order_acquire) >= Spsc::kSlots) {
        if (stop.stopped()) return "";
        cpu_relax();
      }
      std::memcpy(msg, &h, sizeof h);
      std::memcpy(q->slots[h % Spsc::kSlots], msg, 64);
      q->head.store(h + 1, std::memory_order_release);
    }
    return "";
  });
  if (!writer) return state.SkipWithError(writer.error().message().c_str());
  constexpr std::size_t kBatch = 16384;
  std::byte out[64];
  std::uint64_t t = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's idiom
    for (std::size_t i = 0; i < kBatch; ++i, ++t) {
      while (q->head.load(std::memory_order_acquire) == t) cpu_relax();
      std::memcpy(out, q->slots[t % Spsc::kSlots], 64);
      q->tail.store(t + 1, std::memory_order_release);
    }
    benchmark::DoNotOptimize(out);
  }
  stop.stop();
  (void)writer->wait(std::chrono::milliseconds(5000));
  (void)shmh::sys::munmap(*mem, sizeof(Spsc));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBatch * 64));
}

// The bound for 64 KiB: memcpy of each message into the next slot of a rotating 64-slot buffer
// (the ring's working set), in one process.
void BM_Stream_memcpy_limit(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<std::byte> src(size, std::byte{1});
  std::vector<std::byte> dst(size * 64);
  std::size_t slot = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's idiom
    std::memcpy(dst.data() + (slot++ % 64) * size, src.data(), size);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

// Round trip of a 64-byte message through two channels (there and back).
void BM_PingPong(benchmark::State& state, const char* channel_name) {
  auto source = shmh::resolve_channel(channel_name);
  if (!source) return state.SkipWithError(source.error().message().c_str());
  const shmh_channel_config config{.capacity = 4, .max_message = 64, .backend = SHMH_BACKEND_MEMFD};
  auto there = Channel::create(*source->vtable, config);
  auto back = Channel::create(*source->vtable, config);
  if (!there || !back) return state.SkipWithError("channel create failed");
  StopFlag stop;
  const std::string a = there->address();
  const std::string b = back->address();
  const auto* vt = source->vtable;
  auto echo = ChildProcess::spawn([&]() -> ChildReport {
    auto in = Channel::open(*vt, a);
    auto out = Channel::open(*vt, b);
    if (!in || !out) return "open failed";
    std::byte buf[64];
    while (!stop.stopped()) {
      const std::int64_t n = in->recv(buf, 20 * kMs);
      if (n == SHMH_ETIMEOUT) continue;
      if (n < 0 || out->send(std::span(buf, static_cast<std::size_t>(n)), 1000 * kMs) != SHMH_OK) return "echo failed";
    }
    return "";
  });
  if (!echo) return state.SkipWithError(echo.error().message().c_str());
  std::byte msg[64] = {};
  std::byte reply[64];
  std::string failure;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's idiom
    if (there->send(msg, 1000 * kMs) != SHMH_OK || back->recv(reply, 1000 * kMs) != 64) {
      failure = "round trip failed";
      break;
    }
  }
  stop.stop();
  (void)echo->wait(std::chrono::milliseconds(5000));
  (void)there->destroy();
  (void)back->destroy();
  if (!failure.empty()) return state.SkipWithError(failure.c_str());
  state.SetItemsProcessed(state.iterations());
}

// The latency bound: one cache line each way between two processes.
void BM_PingPong_pingpong_raw(benchmark::State& state) {
  struct alignas(64) Lines {
    alignas(64) std::atomic<std::uint64_t> ping{0};
    alignas(64) std::atomic<std::uint64_t> pong{0};
  };
  auto mem = shmh::sys::mmap(nullptr, sizeof(Lines), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (!mem) return state.SkipWithError(mem.error().message().c_str());
  auto* l = new (*mem) Lines();
  constexpr std::uint64_t kStop = ~std::uint64_t{0};
  auto echo = ChildProcess::spawn([&]() -> ChildReport {
    for (std::uint64_t seen = 0;;) {
      std::uint64_t v;
      while ((v = l->ping.load(std::memory_order_acquire)) == seen) cpu_relax();
      if (v == kStop) return "";
      seen = v;
      l->pong.store(v, std::memory_order_release);
    }
  });
  if (!echo) return state.SkipWithError(echo.error().message().c_str());
  std::uint64_t i = 0;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores): Google Benchmark's idiom
    l->ping.store(++i, std::memory_order_release);
    while (l->pong.load(std::memory_order_acquire) != i) cpu_relax();
  }
  l->ping.store(kStop, std::memory_order_release);
  (void)echo->wait(std::chrono::milliseconds(5000));
  (void)shmh::sys::munmap(*mem, sizeof(Lines));
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_Stream, ring, "ring")->Arg(64)->Arg(65536)->UseRealTime();
BENCHMARK_CAPTURE(BM_Stream, boost - mq, "boost-mq")->Arg(64)->Arg(65536)->UseRealTime();
BENCHMARK_CAPTURE(BM_Stream, pipe, "pipe")->Arg(64)->UseRealTime();
BENCHMARK(BM_Stream_spsc_limit)->Name("BM_Stream/spsc-limit/64")->UseRealTime();
BENCHMARK(BM_Stream_memcpy_limit)->Name("BM_Stream/memcpy-limit")->Arg(65536);
BENCHMARK_CAPTURE(BM_PingPong, ring, "ring")->UseRealTime();
BENCHMARK_CAPTURE(BM_PingPong, boost - mq, "boost-mq")->UseRealTime();
BENCHMARK_CAPTURE(BM_PingPong, pipe, "pipe")->UseRealTime();
BENCHMARK(BM_PingPong_pingpong_raw)->Name("BM_PingPong/pingpong-raw")->UseRealTime();

}  // namespace
