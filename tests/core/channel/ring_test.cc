// The reference ring's own guarantees beyond the channel contract: peers killed mid-operation do
// not block the others, a hostile header or slot is reported and never trusted, and the ring is
// data-race free in threads mode (the configuration ThreadSanitizer can see).
#include "core/channel/ring/ring.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>
#include <xxhash.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "core/framing/frame.h"
#include "core/framing/frame_verifier.h"
#include "core/segment/shared_region.h"
#include "core/sys/membarrier.h"
#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh::ring {
namespace {

using std::chrono::milliseconds;
using test::Succeeds;

constexpr std::int64_t kMs = 1'000'000;
constexpr std::uint64_t kSeed = 11;

struct Fixture {
  SharedRegion region;
  Ring ring;

  Result<void> destroy() {
    ring.detach();
    return region.remove();
  }
};

Fixture make_ring(Backend backend, std::uint64_t capacity, std::uint64_t max_message,
                  FenceMode fence = FenceMode::kMembarrier) {
  auto g = plan(capacity, max_message);
  EXPECT_TRUE(Succeeds(g));
  auto region = SharedRegion::create(backend, g->total_size);
  EXPECT_TRUE(Succeeds(region));
  auto r = Ring::create(region->bytes(), *g, fence);
  EXPECT_TRUE(Succeeds(r));
  return Fixture{std::move(*region), std::move(*r)};
}

std::vector<std::byte> frame(std::size_t size, std::uint32_t writer, std::uint64_t seq) {
  std::vector<std::byte> m(size);
  encode_frame(m, kSeed, writer, seq);
  return m;
}

// Signals `fd` and stops forever: the process is frozen between claiming and finishing.
void freeze_here(int fd) {
  (void)sys::write_all(fd, "x");
  for (;;) ::pause();
}

// Waits until the child wrote to `fd` (it reached its hook), then SIGKILLs and reaps it.
void kill_when_frozen(ChildProcess& child, int fd) {
  auto ready = sys::poll_readable(fd, 10'000);
  ASSERT_TRUE(ready && *ready) << "the child never reached its hook";
  ASSERT_TRUE(Succeeds(child.kill(SIGKILL)));
  auto exit = child.wait();
  ASSERT_TRUE(Succeeds(exit));
  EXPECT_EQ(exit->signal, SIGKILL);
}

TEST(RingPlan, RoundsCapacityAndAlignsSlots) {
  auto g = plan(100, 64);
  ASSERT_TRUE(Succeeds(g));
  EXPECT_EQ(g->slot_count, 128U);
  EXPECT_EQ(g->slot_size, 128U) << "16-byte slot header + 64 payload, rounded to a cache line";
  EXPECT_EQ(g->total_size, g->header_size + std::uint64_t{128} * 128);
  EXPECT_FALSE(plan(0, 64).ok());
  EXPECT_FALSE(plan(64, 0).ok());
  EXPECT_FALSE(plan(kMaxSlots + 1, 64).ok());
}

class RingKill : public ::testing::TestWithParam<Backend> {};

TEST_P(RingKill, WriterKilledBetweenClaimAndPublishIsSkippedAndCounted) {
  auto f = make_ring(GetParam(), 8, 64);
  auto pipe = sys::pipe();
  ASSERT_TRUE(Succeeds(pipe));
  auto memory = f.region.bytes();
  auto child = ChildProcess::spawn([&]() -> ChildReport {
    auto peer = Ring::attach(memory);
    if (!peer) return peer.error().message();
    auto first = frame(64, 1, 0);
    if (peer->send(first.data(), first.size(), 0, nullptr) != SHMH_OK) return "first send";
    peer->set_hooks({.after_send_claim = [&] { freeze_here(pipe->write); }, .after_recv_claim = {}});
    auto second = frame(64, 1, 1);
    (void)peer->send(second.data(), second.size(), 0, nullptr);
    return "the hook did not stop the send";
  });
  ASSERT_TRUE(Succeeds(child));
  kill_when_frozen(*child, pipe->read);

  // Another writer goes on behind the dead claim.
  auto third = frame(64, 0, 0);
  ASSERT_EQ(f.ring.send(third.data(), third.size(), 0, nullptr), SHMH_OK);
  FrameVerifier v(kSeed, 2);
  std::vector<std::byte> buf(64);
  shmh_error err{};
  ASSERT_EQ(f.ring.recv(buf.data(), buf.size(), 1000 * kMs, &err), 64) << err.message;
  EXPECT_EQ(v.verify(buf), Verdict::kOk);
  // The dead claim is reclaimed while the reader waits: the recv gets the message instead of
  // timing out (a generous timeout: no assertion on how fast, only that it is not forever).
  ASSERT_EQ(f.ring.recv(buf.data(), buf.size(), 60'000 * kMs, &err), 64) << err.message;
  EXPECT_EQ(v.verify(buf), Verdict::kOk);
  EXPECT_TRUE(v.seen(0, 0)) << "the live writer's message came through";
  EXPECT_FALSE(v.seen(1, 1)) << "the dead writer's unpublished message was not invented";
  EXPECT_EQ(f.ring.stats().abandoned_sends, 1U);
  EXPECT_EQ(f.ring.recv(buf.data(), buf.size(), 0, &err), SHMH_ETIMEOUT);
  EXPECT_TRUE(Succeeds(f.destroy()));
}

TEST_P(RingKill, ReaderKilledBetweenClaimAndReleaseFreesTheSlot) {
  auto f = make_ring(GetParam(), 2, 64);
  for (std::uint64_t s = 0; s < 2; ++s) {
    auto m = frame(64, 0, s);
    ASSERT_EQ(f.ring.send(m.data(), m.size(), 0, nullptr), SHMH_OK);
  }
  auto pipe = sys::pipe();
  ASSERT_TRUE(Succeeds(pipe));
  auto memory = f.region.bytes();
  auto child = ChildProcess::spawn([&]() -> ChildReport {
    auto peer = Ring::attach(memory);
    if (!peer) return peer.error().message();
    peer->set_hooks({.after_send_claim = {}, .after_recv_claim = [&] { freeze_here(pipe->write); }});
    std::vector<std::byte> buf(64);
    (void)peer->recv(buf.data(), buf.size(), 0, nullptr);
    return "the hook did not stop the recv";
  });
  ASSERT_TRUE(Succeeds(child));
  kill_when_frozen(*child, pipe->read);

  // The ring was full; the dead reader took message 0 with it. A writer must get its slot back.
  auto m = frame(64, 0, 2);
  shmh_error err{};
  ASSERT_EQ(f.ring.send(m.data(), m.size(), 60'000 * kMs, &err), SHMH_OK) << err.message;
  EXPECT_EQ(f.ring.stats().abandoned_recvs, 1U);
  FrameVerifier v(kSeed, 1);
  std::vector<std::byte> buf(64);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(f.ring.recv(buf.data(), buf.size(), 0, &err), 64) << err.message;
    EXPECT_EQ(v.verify(buf), Verdict::kOk);
  }
  EXPECT_TRUE(v.seen(0, 1) && v.seen(0, 2));
  EXPECT_FALSE(v.seen(0, 0)) << "message 0 died with its reader: in flight, accounted as abandoned";
  EXPECT_TRUE(Succeeds(f.destroy()));
}

TEST_P(RingKill, StoppedButLiveWriterIsNotReclaimed) {
  auto f = make_ring(GetParam(), 4, 64);
  auto pipe = sys::pipe();
  ASSERT_TRUE(Succeeds(pipe));
  auto memory = f.region.bytes();
  auto child = ChildProcess::spawn([&]() -> ChildReport {
    auto peer = Ring::attach(memory);
    if (!peer) return peer.error().message();
    peer->set_hooks({.after_send_claim = [&] { freeze_here(pipe->write); }, .after_recv_claim = {}});
    auto m = frame(64, 0, 0);
    (void)peer->send(m.data(), m.size(), 0, nullptr);
    return "";
  });
  ASSERT_TRUE(Succeeds(child));
  auto ready = sys::poll_readable(pipe->read, 10'000);
  ASSERT_TRUE(ready && *ready);
  std::vector<std::byte> buf(64);
  shmh_error err{};
  EXPECT_EQ(f.ring.recv(buf.data(), buf.size(), 100 * kMs, &err), SHMH_ETIMEOUT)
      << "a slow writer is waited for, not robbed";
  EXPECT_EQ(f.ring.stats().abandoned_sends, 0U);
  ASSERT_TRUE(Succeeds(child->kill(SIGKILL)));
  ASSERT_TRUE(Succeeds(child->wait()));
  EXPECT_TRUE(Succeeds(f.destroy()));
}

INSTANTIATE_TEST_SUITE_P(Backends, RingKill, ::testing::Values(Backend::kSysv, Backend::kPosix, Backend::kMemfd),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

TEST(RingHostile, HeaderDamageIsRefusedAtAttach) {
  auto f = make_ring(Backend::kPosix, 8, 64);
  auto* h = reinterpret_cast<RingHeader*>(f.region.bytes().data());
  auto expect_refused = [&](const char* words) {
    auto r = Ring::attach(f.region.bytes());
    ASSERT_FALSE(r.ok()) << "attached to a damaged header (" << words << ")";
    EXPECT_NE(r.error().message().find(words), std::string::npos) << r.error().message();
  };
  h->magic.store(0x1234);
  expect_refused("bad magic");
  h->magic.store(kMagic);
  h->layout_version = kLayoutVersion + 1;
  expect_refused(("layout version " + std::to_string(kLayoutVersion + 1)).c_str());
  h->layout_version = kLayoutVersion;
  h->geometry.slot_count = 7;
  expect_refused("checksum mismatch");
  // A forger who also fixes the checksum still cannot make the reader trust an impossible geometry.
  auto reseal = [&] {
    struct {
      std::uint32_t version, fence;
      Geometry g;
    } covered{kLayoutVersion, h->fence_mode, h->geometry};
    h->checksum = XXH3_64bits(&covered, sizeof covered);
  };
  auto forge = [&](auto change, const char* words) {
    const Geometry good = h->geometry;
    change(h->geometry);
    reseal();
    expect_refused(words);
    h->geometry = good;
  };
  h->geometry.slot_count = 8;
  forge([](Geometry& g) { g.slot_count = 6; }, "power of two");
  forge(
      [](Geometry& g) {
        g.slot_count = 1 << 20;
        g.total_size = g.header_size + g.slot_count * g.slot_size;
      },
      "larger than the mapped segment");
  forge([](Geometry& g) { g.max_message = g.slot_size; }, "slot size does not fit");
  forge([](Geometry& g) { g.total_size += 64; }, "does not add up");
  forge([](Geometry& g) { g.header_size = 64; }, "header size");
  // The fence mode is covered too: a peer that flipped it would make publishers skip the barrier
  // their waiters count on (or the reverse).
  const std::uint32_t mode = h->fence_mode;
  reseal();
  auto good = Ring::attach(f.region.bytes());
  ASSERT_TRUE(Succeeds(good)) << "the resealed undamaged header is accepted";
  good->detach();
  h->fence_mode = mode ^ 1U;
  expect_refused("checksum mismatch");
  h->fence_mode = 7;
  forge([](Geometry&) {}, "unknown fence mode 7");
  h->fence_mode = mode;
  EXPECT_FALSE(Ring::attach(f.region.bytes().first(100)).ok()) << "smaller than a header";
  EXPECT_TRUE(Succeeds(f.destroy()));
}

TEST(RingHostile, BadSlotLengthIsReportedAndSkipped) {
  auto f = make_ring(Backend::kSysv, 4, 64);
  for (std::uint64_t s = 0; s < 2; ++s) {
    auto m = frame(64, 0, s);
    ASSERT_EQ(f.ring.send(m.data(), m.size(), 0, nullptr), SHMH_OK);
  }
  auto* slot0 = reinterpret_cast<SlotHeader*>(f.region.bytes().data() + f.ring.geometry().header_size);
  slot0->length.store(0xffffffffU);
  std::vector<std::byte> buf(1 << 16);
  shmh_error err{};
  EXPECT_EQ(f.ring.recv(buf.data(), buf.size(), 0, &err), SHMH_ECORRUPT);
  EXPECT_NE(std::string(err.message).find("length"), std::string::npos) << err.message;
  ASSERT_EQ(f.ring.recv(buf.data(), buf.size(), 0, &err), 64) << "the ring moves on: " << err.message;
  EXPECT_EQ(check_frame(std::span(buf).first(64), kSeed).status, FrameStatus::kOk);
  EXPECT_TRUE(Succeeds(f.destroy()));
}

TEST(RingHostile, ImpossibleTurnsAndPositionsAreReported) {
  auto f = make_ring(Backend::kMemfd, 4, 64);
  auto* h = reinterpret_cast<RingHeader*>(f.region.bytes().data());
  auto* slot0 = reinterpret_cast<SlotHeader*>(f.region.bytes().data() + f.ring.geometry().header_size);
  std::vector<std::byte> buf(64);
  shmh_error err{};
  slot0->seq.store(1000);  // a turn far ahead of tail and head
  EXPECT_EQ(f.ring.recv(buf.data(), buf.size(), 0, &err), SHMH_ECORRUPT) << err.message;
  EXPECT_EQ(f.ring.send(buf.data(), buf.size(), 0, &err), SHMH_ECORRUPT) << err.message;
  slot0->seq.store(0);
  h->head.store(1000);  // head far ahead of tail: more in flight than there are slots
  EXPECT_EQ(f.ring.recv(buf.data(), buf.size(), 0, &err), SHMH_ECORRUPT) << err.message;
  EXPECT_TRUE(Succeeds(f.destroy()));
}

TEST(RingHostile, RandomGarbageNeverCrashesOrHangs) {
  // Under ASan this also proves no access outside the mapping for any garbage tried.
  auto f = make_ring(Backend::kPosix, 8, 64);
  std::mt19937_64 rng(42);
  std::vector<std::byte> buf(64);
  const auto hot = f.region.bytes().subspan(kCacheLine, f.ring.geometry().total_size - kCacheLine);
  for (int round = 0; round < 300; ++round) {
    // Scribble over a few words of the hot header part and the slots (the geometry stays: it was
    // validated at attach and is never re-read).
    for (int k = 0; k < 4; ++k) {
      const std::size_t off = (rng() % (hot.size() / 8)) * 8;
      const std::uint64_t value = rng() % 3 == 0 ? rng() % 64 : rng();
      std::memcpy(hot.data() + off, &value, 8);
    }
    // Never a hang (ctest's timeout is the bound) and only documented answers.
    shmh_error err{};
    const std::int64_t r = f.ring.recv(buf.data(), buf.size(), 2 * kMs, &err);
    const int s = f.ring.send(buf.data(), buf.size(), 2 * kMs, &err);
    EXPECT_TRUE(r >= 0 || r == SHMH_ETIMEOUT || r == SHMH_ECORRUPT || r == SHMH_ECLOSED) << r;
    EXPECT_TRUE(s == SHMH_OK || s == SHMH_ETIMEOUT || s == SHMH_ECORRUPT || s == SHMH_ECLOSED) << s;
    EXPECT_LE(r, 64);
  }
  EXPECT_TRUE(Succeeds(f.destroy()));
}

TEST(RingFence, TheCreatorPicksMembarrierWhereItCanAndEveryPeerFollowsTheHeader) {
  if (!sys::register_global_membarrier()) GTEST_SKIP() << "membarrier(2) GLOBAL_EXPEDITED is not offered here";
  auto f = make_ring(Backend::kMemfd, 8, 64);
  EXPECT_EQ(f.ring.fence_mode(), FenceMode::kMembarrier);
  auto peer = Ring::attach(f.region.bytes());
  ASSERT_TRUE(Succeeds(peer));
  EXPECT_EQ(peer->fence_mode(), FenceMode::kMembarrier);
  peer->detach();
  auto fenced = make_ring(Backend::kMemfd, 8, 64, FenceMode::kFenced);
  EXPECT_EQ(fenced.ring.fence_mode(), FenceMode::kFenced);
  auto fenced_peer = Ring::attach(fenced.region.bytes());
  ASSERT_TRUE(Succeeds(fenced_peer));
  EXPECT_EQ(fenced_peer->fence_mode(), FenceMode::kFenced) << "a peer uses the creator's mode, not its own choice";
  fenced_peer->detach();
  EXPECT_TRUE(Succeeds(f.destroy()));
  EXPECT_TRUE(Succeeds(fenced.destroy()));
}

// Lockstep across processes in both modes: every message is sent while the reader sleeps on the
// futex (it set its wake-wanted flag, seen here in shared memory), so every one needs a wake-up.
// A publisher that missed the flag leaves it set (it is taken by exactly the publish that wakes);
// the reader starts its next wait only after the check (a token on a pipe).
std::string fence_name(const ::testing::TestParamInfo<FenceMode>& p) {
  return p.param == FenceMode::kFenced ? "fenced" : "membarrier";
}

class RingWake : public ::testing::TestWithParam<FenceMode> {};

TEST_P(RingWake, EveryMessageSentToASleepingReaderTakesItsFlagAndWakesIt) {
  constexpr int kMessages = 200;
  auto f = make_ring(Backend::kMemfd, 4, 64, GetParam());
  auto* h = reinterpret_cast<RingHeader*>(f.region.bytes().data());
  auto token = sys::pipe();
  ASSERT_TRUE(Succeeds(token));
  auto reader = ChildProcess::spawn([&]() -> ChildReport {
    auto peer = Ring::attach(f.region.bytes());
    if (!peer) return peer.error().message();
    std::vector<std::byte> buf(64);
    for (int i = 0; i < kMessages; ++i) {
      shmh_error err{};
      if (peer->recv(buf.data(), buf.size(), 60'000 * kMs, &err) != 8) return std::string("recv: ") + err.message;
      char c = 0;
      if (::read(token->read, &c, 1) != 1) return "the test's token pipe closed";
    }
    return "";
  });
  ASSERT_TRUE(Succeeds(reader));
  const std::uint64_t word = 0x5eed;
  for (int i = 0; i < kMessages; ++i) {
    while (h->readers_wake_wanted.load(std::memory_order_acquire) == 0) std::this_thread::yield();
    ASSERT_EQ(f.ring.send(&word, sizeof word, 10'000 * kMs, nullptr), SHMH_OK);
    EXPECT_EQ(h->readers_wake_wanted.load(std::memory_order_acquire), 0U) << "message " << i << ": flag not taken";
    ASSERT_TRUE(Succeeds(sys::write_all(token->write, "x")));
  }
  auto exit = reader->wait();
  ASSERT_TRUE(Succeeds(exit));
  EXPECT_TRUE(exit->ok()) << exit->describe();
  EXPECT_TRUE(Succeeds(f.destroy()));
}

INSTANTIATE_TEST_SUITE_P(Modes, RingWake, ::testing::Values(FenceMode::kFenced, FenceMode::kMembarrier), fence_name);

class RingThreads : public ::testing::TestWithParam<FenceMode> {};

TEST_P(RingThreads, WritersAndReadersShareOneMappingRaceFree) {
  // Threads over one mapping: the configuration in which TSan sees every access (design §4).
  constexpr std::uint32_t kWriters = 2;
  constexpr std::uint64_t kPerWriter = 20'000;
  auto f = make_ring(Backend::kPosix, 16, 96, GetParam());
  std::vector<std::thread> threads;
  threads.reserve(kWriters + 2);
  std::vector<std::string> failures(kWriters + 2);
  for (std::uint32_t w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto peer = Ring::attach(f.region.bytes());
      if (!peer) {
        failures[w] = peer.error().message();
        return;
      }
      std::vector<std::byte> buf(96);
      for (std::uint64_t s = 0; s < kPerWriter; ++s) {
        const std::size_t size = kFrameHeaderSize + (s % 73);
        encode_frame(std::span(buf).first(size), kSeed, w, s);
        shmh_error err{};
        if (peer->send(buf.data(), size, 5000 * kMs, &err) != SHMH_OK) {
          failures[w] = err.message;
          return;
        }
      }
    });
  }
  std::vector<FrameVerifier> verifiers(2, FrameVerifier(kSeed, kWriters));
  for (std::uint32_t r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      auto peer = Ring::attach(f.region.bytes());
      if (!peer) {
        failures[kWriters + r] = peer.error().message();
        return;
      }
      std::vector<std::byte> buf(96);
      for (;;) {
        shmh_error err{};
        const std::int64_t n = peer->recv(buf.data(), buf.size(), 30'000 * kMs, &err);
        if (n == 0) return;  // the end marker, sent after every writer finished
        if (n < 0) {
          failures[kWriters + r] = err.message;
          return;
        }
        if (verifiers[r].verify(std::span(buf).first(static_cast<std::size_t>(n))) != Verdict::kOk) {
          failures[kWriters + r] = "bad frame";
          return;
        }
      }
    });
  }
  for (std::uint32_t w = 0; w < kWriters; ++w) threads[w].join();
  for (int r = 0; r < 2; ++r) EXPECT_EQ(f.ring.send(nullptr, 0, 10'000 * kMs, nullptr), SHMH_OK);
  for (std::size_t t = kWriters; t < threads.size(); ++t) threads[t].join();
  for (const auto& fail : failures) EXPECT_TRUE(fail.empty()) << fail;
  for (std::uint32_t w = 0; w < kWriters; ++w) {
    EXPECT_EQ(verifiers[0].received_from(w) + verifiers[1].received_from(w), kPerWriter) << "writer " << w;
  }
  EXPECT_TRUE(Succeeds(f.destroy()));
}

INSTANTIATE_TEST_SUITE_P(Modes, RingThreads, ::testing::Values(FenceMode::kFenced, FenceMode::kMembarrier), fence_name);

}  // namespace
}  // namespace shmh::ring
