// "No heap allocation per message": every operator new in this binary is counted, and 10,000
// framed messages through each built-in channel — encode, send, recv, verify — must not add one.
// (Built for the default and asan-ubsan presets: ThreadSanitizer's runtime defines operator new
// itself and the two cannot be linked together.)
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "core/channel/channel.h"
#include "core/channel/channel_registry.h"
#include "core/framing/frame.h"
#include "core/framing/frame_verifier.h"
#include "tests/support/test_support.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// g++ 12 flags free() in a replacement operator delete as mismatched with new: it is the pair.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return ::operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace shmh {
namespace {

class ChannelAlloc : public ::testing::TestWithParam<std::pair<const char*, shmh_backend>> {};

TEST_P(ChannelAlloc, NoAllocationPerMessage) {
  auto source = resolve_channel(GetParam().first);
  ASSERT_TRUE(test::Succeeds(source));
  auto ch = Channel::create(
      *source->vtable, {.capacity = 64, .max_message = 256, .backend = static_cast<std::uint32_t>(GetParam().second)});
  ASSERT_TRUE(test::Succeeds(ch));
  auto peer = Channel::open(*source->vtable, ch->address());
  ASSERT_TRUE(test::Succeeds(peer));
  FrameWriter frames(1, 0, 256);
  FrameVerifier verifier(1, 1);
  std::vector<std::byte> buf(256);
  auto one = [&](std::uint64_t seq) {
    const std::size_t size = kFrameHeaderSize + seq % 200;
    ASSERT_EQ(peer->send(frames.encode(seq, size), 0), SHMH_OK);
    const std::int64_t n = ch->recv(buf, 0);
    ASSERT_EQ(n, static_cast<std::int64_t>(size));
    ASSERT_EQ(verifier.verify(std::span(buf).first(size)), Verdict::kOk);
  };
  for (std::uint64_t s = 0; s < 100; ++s) one(s);  // warm-up: first-use allocations are fine
  const long before = g_allocations.load();
  for (std::uint64_t s = 100; s < 10'100; ++s) one(s);
  EXPECT_EQ(g_allocations.load() - before, 0) << "allocations during 10,000 messages";
  EXPECT_TRUE(test::Succeeds(ch->destroy()));
}

INSTANTIATE_TEST_SUITE_P(Builtins, ChannelAlloc,
                         ::testing::Values(std::pair{"ring", SHMH_BACKEND_SYSV}, std::pair{"ring", SHMH_BACKEND_POSIX},
                                           std::pair{"ring", SHMH_BACKEND_MEMFD},
                                           std::pair{"boost-mq", SHMH_BACKEND_POSIX},
                                           std::pair{"pipe", SHMH_BACKEND_POSIX}));

}  // namespace
}  // namespace shmh
