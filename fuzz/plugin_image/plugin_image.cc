// plugin_image: a hostile peer on ANY channel's shared bytes. The channel (named by
// $SHMH_FUZZ_CHANNEL, fuzz/common/channel_under_test.h) must expose them (ABI 2 shared_bytes); the
// input is a geometry and up to 64 steps: valid sends and receives (zero timeouts), and rewrites of
// the shared bytes the input chooses — single bytes, whole words with values that matter to an
// index or a length (0, 1, max_message, capacity, all ones, ...), and a thread that scribbles
// pseudo-random bytes while a receive and a send run (not under ThreadSanitizer: a hostile peer's
// writes race by definition). After any of it, every answer must be one the ABI documents: a
// message no longer than the buffer and no longer than max_message, or a status
// (ETIMEOUT/ETOOBIG/ECORRUPT/ECLOSED/ESYSTEM/EINVAL) — never a crash, a hang (libFuzzer's -timeout),
// or a write past the caller's buffer, which ends at a PROT_NONE page. Reads outside the channel's
// own mapping are seen only when they reach an unmapped page or the channel is built with ASan
// (its mapping has no redzones: README "Fuzz your own channel").
#include <fuzzer/FuzzedDataProvider.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/random/splitmix.h"
#include "core/segment/guarded_buffer.h"
#include "fuzz/common/channel_under_test.h"
#include "fuzz/common/deferred_init.h"

#if defined(__SANITIZE_THREAD__)
#define SHMH_PLUGIN_IMAGE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SHMH_PLUGIN_IMAGE_TSAN 1
#endif
#endif

namespace {

using shmh::Channel;
using shmh::fuzzing::kMaxFuzzMessage;

constexpr int kMaxSteps = 64;
constexpr int kMaxScribblers = 2;                                         // a thread per scribble-during step
constexpr std::size_t kBiggestBuffer = std::size_t{4} * kMaxFuzzMessage;  // receive buffers up to 4× max_message

shmh::fuzzing::ChannelUnderTest g_target;

void init_target() {
  g_target.load("plugin_image");
  if (!shmh::exposes_shared_bytes(g_target.vtable())) {
    g_target.fatal("channel " + g_target.spec +
                   " does not expose its shared bytes (ABI 2 shared_bytes): there is no image to attack");
  }
}
shmh::fuzzing::DeferredInit g_init(init_target);

[[noreturn]] void finding(int step, const std::string& what) {
  std::fprintf(stderr, "plugin_image: channel %s (%s) under a hostile peer, step %d: %s\n", g_target.spec.c_str(),
               g_target.vtable().name, step, what.c_str());
  __builtin_trap();
}

void trace(int step, const std::string& what) {
  if (g_target.trace) std::fprintf(stderr, "step %d: %s\n", step, what.c_str());
}

// A receive buffer that ends where a PROT_NONE page begins: a write past it faults.
shmh::GuardedBuffer guarded_buffer() {
  auto made = shmh::GuardedBuffer::create(kBiggestBuffer);
  if (!made) g_target.fatal(made.error().message());
  return std::move(*made);
}

// Writes pseudo-random bytes at pseudo-random offsets of the image until stopped.
class Scribbler {
 public:
  Scribbler(std::span<std::byte> image, std::uint64_t seed)
      : thread_([this, image, seed] {
          shmh::SplitMix64 rng(seed);
          while (!stop_.load(std::memory_order_relaxed)) {
            const std::uint64_t r = rng();
            std::atomic_ref<std::byte>(image[r % image.size()])
                .store(std::byte{static_cast<std::uint8_t>(r >> 56)}, std::memory_order_relaxed);
          }
        }) {}
  ~Scribbler() {
    stop_.store(true, std::memory_order_relaxed);
    thread_.join();
  }
  Scribbler(const Scribbler&) = delete;
  Scribbler& operator=(const Scribbler&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class Attack {
 public:
  Attack(Channel creator, std::uint32_t capacity, std::uint32_t max_message)
      : creator_(std::move(creator)), capacity_(capacity), max_message_(max_message) {
    writer_ = open();
    reader_ = open();
    image_ = reader_.shared_bytes();
    if (image_.empty()) finding(-1, "shared_bytes gave no memory: " + std::string(reader_.last_error().message));
  }

  void send(int step, std::uint32_t length) {
    shmh::fuzzing::fill_message(message_, 0, seq_, length);
    const int rc = writer_.send(message_, 0);
    trace(step, "send of " + std::to_string(length) + " bytes -> " + std::to_string(rc));
    if (rc == SHMH_OK) {
      ++seq_;
      return;
    }
    if (!shmh::documented_status(rc)) finding(step, "a send answered " + std::to_string(rc) + ", no documented status");
  }

  void recv(int step, std::size_t capacity) {
    const std::span<std::byte> buffer = guarded_.last(capacity);
    const std::int64_t rc = reader_.recv(buffer, 0);
    trace(step, "receive into " + std::to_string(capacity) + " bytes -> " + std::to_string(rc));
    if (rc < 0) {
      if (!shmh::documented_status(rc))
        finding(step, "a receive answered " + std::to_string(rc) + ", no documented status");
      return;
    }
    if (static_cast<std::uint64_t>(rc) > capacity) {
      finding(step, "a receive into " + std::to_string(capacity) + " bytes returned a length of " + std::to_string(rc));
    }
    if (static_cast<std::uint64_t>(rc) > max_message_) {
      finding(step, "a receive returned a " + std::to_string(rc) + "-byte message; max_message is " +
                        std::to_string(max_message_) + " (a length taken from the shared bytes?)");
    }
  }

  void poke(int step, std::uint64_t offset, std::span<const std::uint8_t> bytes) {
    const std::uint64_t at = offset % image_.size();
    const std::size_t n = std::min<std::size_t>(bytes.size(), image_.size() - at);
    for (std::size_t i = 0; i < n; ++i) {
      std::atomic_ref<std::byte>(image_[at + i]).store(std::byte{bytes[i]}, std::memory_order_relaxed);
    }
    trace(step, "the hostile peer writes " + std::to_string(n) + " byte(s) at offset " + std::to_string(at));
  }

  // A 4- or 8-byte word with a value that matters to an index or a length, at an aligned offset.
  void poke_word(int step, std::uint64_t offset, int width, int which) {
    const std::uint64_t values[] = {0,
                                    1,
                                    max_message_,
                                    max_message_ + 1ULL,
                                    capacity_,
                                    capacity_ + 1ULL,
                                    0x7fffffffULL,
                                    0xffffffffULL,
                                    0x80000000ULL,
                                    ~0ULL,
                                    seq_,
                                    seq_ + 1};
    const std::uint64_t v = values[static_cast<std::size_t>(which) % std::size(values)];
    std::uint8_t bytes[8];
    std::memcpy(bytes, &v, sizeof bytes);  // little-endian: the low `width` bytes are the value
    poke(step, offset & ~std::uint64_t(width - 1), std::span(bytes).first(static_cast<std::size_t>(width)));
  }

  void during(int step, std::uint64_t seed, std::size_t capacity, std::uint32_t length) {
#ifdef SHMH_PLUGIN_IMAGE_TSAN
    (void)seed;
    trace(step, "(no concurrent scribbling under ThreadSanitizer)");
#else
    const Scribbler scribbler(image_, seed);
    trace(step, "the hostile peer scribbles during the next two calls");
#endif
    recv(step, capacity);
    send(step, length);
  }

  void finish() {
    writer_.close();
    reader_.close();
    (void)creator_.destroy();  // the image may be garbage: any answer is fine, no crash is the check
  }

  [[nodiscard]] std::uint32_t max_message() const { return max_message_; }

 private:
  Channel open() {
    auto ch = Channel::open(g_target.vtable(), creator_.address());
    if (!ch) finding(-1, "open: " + ch.error().message());
    return std::move(*ch);
  }

  Channel creator_;
  std::uint32_t capacity_;
  std::uint32_t max_message_;
  Channel writer_;
  Channel reader_;
  std::span<std::byte> image_;
  shmh::GuardedBuffer guarded_ = guarded_buffer();
  std::vector<std::byte> message_;
  std::uint64_t seq_ = 0;
};

enum class Op { kSend, kRecv, kPoke, kPokeWord, kDuring, kMaxValue = kDuring };

std::size_t pick_buffer(FuzzedDataProvider& in, std::uint32_t max) {
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return max;
    case 1:
      return kBiggestBuffer;  // bigger than any message: a length from the image is all that bounds the copy
    case 2:
      return 0;
    default:
      return in.ConsumeIntegralInRange<std::size_t>(0, kBiggestBuffer);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  g_init.on_initialize();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  g_init.on_input();
  FuzzedDataProvider in(data, size);
  auto made = g_target.create_from(in);
  if (!made) return 0;
  const std::uint32_t max_message = made->max_message;
  Attack attack(std::move(made->creator), made->capacity, max_message);
  int scribblers = 0;
  for (int step = 0; step < kMaxSteps && in.remaining_bytes() > 0; ++step) {
    switch (in.ConsumeEnum<Op>()) {
      case Op::kSend:
        attack.send(step, in.ConsumeIntegralInRange<std::uint32_t>(0, max_message));
        break;
      case Op::kRecv:
        attack.recv(step, pick_buffer(in, max_message));
        break;
      case Op::kPoke: {
        const auto offset = in.ConsumeIntegral<std::uint16_t>();
        const auto bytes = in.ConsumeBytes<std::uint8_t>(in.ConsumeIntegralInRange<std::size_t>(1, 8));
        attack.poke(step, offset, bytes);
        break;
      }
      case Op::kPokeWord: {
        const auto offset = in.ConsumeIntegral<std::uint16_t>();
        const int width = in.ConsumeBool() ? 8 : 4;
        attack.poke_word(step, offset, width, in.ConsumeIntegral<std::uint8_t>());
        break;
      }
      case Op::kDuring: {
        const auto seed = in.ConsumeIntegral<std::uint64_t>();
        const std::size_t buffer = pick_buffer(in, max_message);
        const auto length = in.ConsumeIntegralInRange<std::uint32_t>(0, max_message);
        if (scribblers++ < kMaxScribblers) attack.during(step, seed, buffer, length);
        break;
      }
    }
  }
  attack.finish();
  return 0;
}
