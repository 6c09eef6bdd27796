// The channel contract (shmh_channel.h), run against every built-in channel on every backend and
// against the example plugin loaded from its .so — exactly as a user's channel would be tested.
// Peers are real forked processes; every message is a verified frame (core/framing).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "core/channel/channel.h"
#include "core/channel/channel_registry.h"
#include "core/framing/frame.h"
#include "core/framing/frame_verifier.h"
#include "core/sys/sys.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

using std::chrono::milliseconds;
using test::Succeeds;

constexpr std::int64_t kMs = 1'000'000;
constexpr std::uint64_t kSeed = 0x5eed;

struct Case {
  std::string channel;  // a built-in name or the example plugin's path
  shmh_backend backend;
  std::string label;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) { return info.param.label; }
void PrintTo(const Case& c, std::ostream* os) { *os << c.label; }

class ChannelContract : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    auto src = resolve_channel(GetParam().channel);
    ASSERT_TRUE(Succeeds(src));
    source_ = *src;
  }

  Result<Channel> make(std::uint32_t capacity, std::uint32_t max_message) {
    return Channel::create(
        *source_.vtable,
        {.capacity = capacity, .max_message = max_message, .backend = static_cast<std::uint32_t>(GetParam().backend)});
  }

  ChannelSource source_;
};

std::vector<std::byte> frame(std::size_t size, std::uint32_t writer, std::uint64_t seq) {
  std::vector<std::byte> m(size);
  encode_frame(m, kSeed, writer, seq);
  return m;
}

TEST_P(ChannelContract, MessagesCrossProcessesIntactAndInOrder) {
  auto ch = make(16, 512);
  ASSERT_TRUE(Succeeds(ch));
  const std::string address = ch->address();
  const auto* vt = source_.vtable;
  constexpr int kCount = 2000;
  auto writer = ChildProcess::spawn([&]() -> ChildReport {
    auto peer = Channel::open(*vt, address);
    if (!peer) return peer.error().message();
    std::vector<std::byte> buf(512);
    for (int i = 0; i < kCount; ++i) {
      const std::size_t size = kFrameHeaderSize + static_cast<std::size_t>(i * 7) % (512 - kFrameHeaderSize + 1);
      encode_frame(std::span(buf).first(size), kSeed, 0, static_cast<std::uint64_t>(i));
      if (peer->send(std::span(buf).first(size), 5000 * kMs) != SHMH_OK) {
        return "send " + std::to_string(i) + ": " + peer->last_error().message;
      }
    }
    return "";
  });
  ASSERT_TRUE(Succeeds(writer));
  FrameVerifier verifier(kSeed, 1);
  std::vector<std::byte> buf(512);
  for (int i = 0; i < kCount; ++i) {
    const std::int64_t n = ch->recv(buf, 5000 * kMs);
    ASSERT_GE(n, 0) << "message " << i << ": " << ch->last_error().message;
    ASSERT_EQ(verifier.verify(std::span(buf).first(static_cast<std::size_t>(n))), Verdict::kOk) << "message " << i;
  }
  auto exit = writer->wait(milliseconds(10'000));
  ASSERT_TRUE(Succeeds(exit));
  EXPECT_TRUE(exit->ok()) << exit->describe();
  EXPECT_EQ(verifier.counts().ok, static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(ch->recv(buf, 0), SHMH_ETIMEOUT) << "nothing extra was delivered";
  EXPECT_TRUE(Succeeds(ch->destroy()));
}

TEST_P(ChannelContract, FullAndEmptyAreTimeouts) {
  auto ch = make(4, 64);
  ASSERT_TRUE(Succeeds(ch));
  std::vector<std::byte> buf(64);
  EXPECT_EQ(ch->recv(buf, 0), SHMH_ETIMEOUT) << "empty, no wait";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ch->recv(buf, 30 * kMs), SHMH_ETIMEOUT) << "empty, 30 ms";
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(25)) << "the timeout was waited";

  int sent = 0;
  while (sent < 1000 && ch->send(frame(64, 0, static_cast<std::uint64_t>(sent)), 0) == SHMH_OK) ++sent;
  EXPECT_GE(sent, 4) << "holds at least its capacity";
  EXPECT_LT(sent, 1000) << "a bounded channel must fill";
  EXPECT_EQ(ch->last_error().code, SHMH_ETIMEOUT);
  EXPECT_EQ(ch->send(frame(64, 0, 9999), 20 * kMs), SHMH_ETIMEOUT) << "full, 20 ms";
  ASSERT_EQ(ch->recv(buf, 0), 64);
  EXPECT_EQ(ch->send(frame(64, 0, static_cast<std::uint64_t>(sent)), 0), SHMH_OK) << "room again after one recv";
  EXPECT_TRUE(Succeeds(ch->destroy()));
}

TEST_P(ChannelContract, TooBigIsRefusedAndKept) {
  auto ch = make(4, 100);
  ASSERT_TRUE(Succeeds(ch));
  std::vector<std::byte> big(101);
  EXPECT_EQ(ch->send(big, 0), SHMH_ETOOBIG);
  ASSERT_EQ(ch->send(frame(100, 0, 0), 0), SHMH_OK);
  std::vector<std::byte> small(50);
  EXPECT_EQ(ch->recv(small, 0), SHMH_ETOOBIG) << "buffer smaller than the message";
  std::vector<std::byte> buf(100);
  ASSERT_EQ(ch->recv(buf, 0), 100) << "the message stayed queued: " << ch->last_error().message;
  EXPECT_EQ(check_frame(buf, kSeed).status, FrameStatus::kOk);
  EXPECT_TRUE(Succeeds(ch->destroy()));
}

TEST_P(ChannelContract, ZeroAndMaximumLengths) {
  auto ch = make(4, 300);
  ASSERT_TRUE(Succeeds(ch));
  ASSERT_EQ(ch->send({}, 0), SHMH_OK) << ch->last_error().message;
  ASSERT_EQ(ch->send(frame(300, 0, 1), 0), SHMH_OK);
  std::vector<std::byte> buf(300);
  EXPECT_EQ(ch->recv(buf, 0), 0) << "an empty message is a message";
  EXPECT_EQ(ch->recv(buf, 0), 300);
  EXPECT_EQ(check_frame(buf, kSeed).status, FrameStatus::kOk);
  EXPECT_TRUE(Succeeds(ch->destroy()));
}

TEST_P(ChannelContract, BlockedReaderWakesOnSend) {
  auto ch = make(4, 64);
  ASSERT_TRUE(Succeeds(ch));
  const std::string address = ch->address();
  const auto* vt = source_.vtable;
  auto ready = sys::pipe();
  ASSERT_TRUE(Succeeds(ready));
  // The reader waits with a timeout far beyond the test's: a lost wake-up would keep it asleep
  // until ctest's timeout fails the test — no clock is read here.
  auto reader = ChildProcess::spawn([&]() -> ChildReport {
    sys::close(ready->read);
    auto peer = Channel::open(*vt, address);
    if (!peer) return peer.error().message();
    std::vector<std::byte> buf(64);
    (void)sys::write_all(ready->write, "r");
    const std::int64_t n = peer->recv(buf, std::int64_t{3600} * 1000 * kMs);
    if (n != 64) return std::string("recv: ") + peer->last_error().message;
    return check_frame(buf, kSeed).status == FrameStatus::kOk ? "" : "corrupt frame";
  });
  ASSERT_TRUE(Succeeds(reader));
  sys::close(ready->write);
  char c = 0;
  ASSERT_EQ(::read(ready->read, &c, 1), 1) << "the reader did not start";
  sys::close(ready->read);
  // Blocked: the reader sleeps in the kernel (state S), not merely about to call recv.
  test::wait_until_sleeping(reader->pid());
  ASSERT_EQ(ch->send(frame(64, 0, 0), 0), SHMH_OK);
  auto exit = reader->wait();
  ASSERT_TRUE(Succeeds(exit));
  EXPECT_TRUE(exit->ok()) << exit->describe();
  EXPECT_TRUE(Succeeds(ch->destroy()));
}

TEST_P(ChannelContract, ManyWritersManyReadersExactlyOnce) {
  // As many of each as the channel declares it takes.
  const std::uint32_t flags = source_.vtable->flags;
  const std::uint32_t writers = (flags & SHMH_CHANNEL_MULTI_WRITER) != 0 ? 3 : 1;
  const std::uint32_t readers = (flags & SHMH_CHANNEL_MULTI_READER) != 0 ? 2 : 1;
  constexpr std::uint64_t kPerWriter = 1500;
  auto ch = make(8, 128);
  ASSERT_TRUE(Succeeds(ch));
  const std::string address = ch->address();
  const auto* vt = source_.vtable;
  auto results = sys::pipe();
  ASSERT_TRUE(Succeeds(results));

  std::vector<ChildProcess> peers;
  for (std::uint32_t w = 0; w < writers; ++w) {
    auto c = ChildProcess::spawn([&, w]() -> ChildReport {
      auto peer = Channel::open(*vt, address);
      if (!peer) return peer.error().message();
      std::vector<std::byte> buf(128);
      for (std::uint64_t s = 0; s < kPerWriter; ++s) {
        const std::size_t size = kFrameHeaderSize + (s * 13 + w) % (128 - kFrameHeaderSize + 1);
        encode_frame(std::span(buf).first(size), kSeed, w, s);
        if (peer->send(std::span(buf).first(size), 5000 * kMs) != SHMH_OK) return peer->last_error().message;
      }
      return "";
    });
    ASSERT_TRUE(Succeeds(c));
    peers.push_back(std::move(*c));
  }
  for (std::uint32_t r = 0; r < readers; ++r) {
    auto c = ChildProcess::spawn([&]() -> ChildReport {
      auto peer = Channel::open(*vt, address);
      if (!peer) return peer.error().message();
      FrameVerifier verifier(kSeed, writers);
      std::vector<std::byte> buf(128);
      // Read until the parent's end marker (an empty message, sent once the writers are done).
      for (;;) {
        const std::int64_t n = peer->recv(buf, 30'000 * kMs);
        if (n == 0) break;
        if (n < 0) return std::string("recv: ") + peer->last_error().message;
        const Verdict v = verifier.verify(std::span(buf).first(static_cast<std::size_t>(n)));
        if (v != Verdict::kOk) return std::string("frame ") + to_string(v);
      }
      // Report per writer: count and sum of sequences, as text "count sum ..." through the pipe.
      std::string line;
      for (std::uint32_t w = 0; w < writers; ++w) {
        std::uint64_t sum = 0;
        for (std::uint64_t s = 0; s < kPerWriter; ++s) sum += verifier.seen(w, s) ? s : 0;
        line += std::to_string(verifier.received_from(w)) + " " + std::to_string(sum) + " ";
      }
      line += "\n";
      (void)sys::write_all(results->write, line);
      return "";
    });
    ASSERT_TRUE(Succeeds(c));
    peers.push_back(std::move(*c));
  }
  sys::close(results->write);
  for (std::uint32_t w = 0; w < writers; ++w) {
    auto exit = peers[w].wait(milliseconds(60'000));
    ASSERT_TRUE(Succeeds(exit));
    EXPECT_TRUE(exit->ok()) << exit->describe();
  }
  for (std::uint32_t r = 0; r < readers; ++r) ASSERT_EQ(ch->send({}, 10'000 * kMs), SHMH_OK) << "end marker";
  for (std::uint32_t r = 0; r < readers; ++r) {
    auto exit = peers[writers + r].wait(milliseconds(60'000));
    ASSERT_TRUE(Succeeds(exit));
    EXPECT_TRUE(exit->ok()) << exit->describe();
  }
  std::string all;
  char chunk[512];
  ssize_t n = 0;
  while ((n = ::read(results->read, chunk, sizeof chunk)) > 0) all.append(chunk, static_cast<std::size_t>(n));
  sys::close(results->read);
  std::istringstream in(all);
  std::vector<std::uint64_t> count(writers), sum(writers);
  for (std::uint32_t r = 0; r < readers; ++r) {
    for (std::uint32_t w = 0; w < writers; ++w) {
      std::uint64_t c = 0, s = 0;
      ASSERT_TRUE(in >> c >> s) << all;
      count[w] += c;
      sum[w] += s;
    }
  }
  for (std::uint32_t w = 0; w < writers; ++w) {
    EXPECT_EQ(count[w], kPerWriter) << "writer " << w << ": every message exactly once";
    EXPECT_EQ(sum[w], kPerWriter * (kPerWriter - 1) / 2) << "writer " << w;
  }
  EXPECT_TRUE(Succeeds(ch->destroy()));
}

TEST_P(ChannelContract, OpenRejectsForeignAddresses) {
  for (const char* bad : {"", "nonsense", "ring@sysv:abc", "ring@posix:", "ring@memfd:1", "pipe@", "boost-mq@",
                          "ring@sysv:999999", "pipe@/etc/passwd", "/no/such/queue"}) {
    auto ch = Channel::open(*source_.vtable, bad);
    EXPECT_FALSE(ch.ok()) << bad;
  }
}

std::vector<Case> all_cases() {
  std::vector<Case> cases = {{"ring", SHMH_BACKEND_SYSV, "ring_sysv"},
                             {"ring", SHMH_BACKEND_POSIX, "ring_posix"},
                             {"ring", SHMH_BACKEND_MEMFD, "ring_memfd"},
                             {"boost-mq", SHMH_BACKEND_POSIX, "boost_mq"},
                             {"pipe", SHMH_BACKEND_POSIX, "pipe"},
                             {SHMH_EXAMPLE_PLUGIN, SHMH_BACKEND_POSIX, "example_plugin"},
                             {SHMH_SPSC_PLUGIN, SHMH_BACKEND_POSIX, "spsc_example"}};
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Channels, ChannelContract, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace shmh
