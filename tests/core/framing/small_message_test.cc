// Small messages (0..23 bytes): compact ones say whose they are, tiny ones match only the message
// they are; both are exact functions of (seed, writer, sequence, length).
#include "core/framing/small_message.h"

#include <gtest/gtest.h>

#include <vector>

namespace shmh {
namespace {

std::vector<std::byte> small(std::size_t size, std::uint32_t writer, std::uint64_t seq, std::uint64_t seed = 7) {
  std::vector<std::byte> m(size);
  encode_small(m, seed, writer, seq);
  return m;
}

TEST(SmallMessage, CompactOnesIdentifyThemselvesAtEveryLength) {
  for (std::size_t size = kCompactMin; size < kFrameHeaderSize; ++size) {
    for (const std::uint32_t writer : {0U, 1U, 62U, 63U}) {
      for (const std::uint64_t seq :
           {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{123456789}, kCompactMaxSequence}) {
        const auto f = check_compact(small(size, writer, seq), 7);
        ASSERT_EQ(f.status, FrameStatus::kOk) << size << " " << writer << " " << seq;
        EXPECT_EQ(f.writer, writer);
        EXPECT_EQ(f.sequence, seq);
      }
    }
  }
}

TEST(SmallMessage, EveryFlippedBitOfACompactOneIsCaught) {
  for (std::size_t size = kCompactMin; size < kFrameHeaderSize; ++size) {
    auto m = small(size, 5, 4242);
    for (std::size_t i = 0; i < m.size(); ++i) {
      for (int b = 0; b < 8; ++b) {
        m[i] ^= std::byte{static_cast<unsigned char>(1U << b)};
        EXPECT_NE(check_compact(m, 7).status, FrameStatus::kOk) << "size " << size << " byte " << i << " bit " << b;
        m[i] ^= std::byte{static_cast<unsigned char>(1U << b)};
      }
    }
  }
}

TEST(SmallMessage, ACompactOneCutOrGrownIsNotTakenForAnother) {
  auto m = small(16, 2, 99);
  EXPECT_NE(check_compact(std::span(m).first(15), 7).status, FrameStatus::kOk) << "one byte short";
  m.push_back(std::byte{0});
  EXPECT_NE(check_compact(m, 7).status, FrameStatus::kOk) << "one byte long";
  EXPECT_EQ(check_compact(std::span(m).first(7), 7).status, FrameStatus::kTruncated);
  EXPECT_NE(check_compact(small(16, 2, 99, 8), 7).status, FrameStatus::kOk) << "another run's seed";
}

TEST(SmallMessage, TinyOnesMatchOnlyTheMessageTheyAre) {
  for (std::size_t size = 4; size < kCompactMin; ++size) {
    const auto m = small(size, 0, 1000);
    EXPECT_TRUE(tiny_matches(m, 7, 0, 1000)) << size;
    for (std::uint64_t other = 990; other < 1010; ++other) {
      if (other != 1000) {
        EXPECT_FALSE(tiny_matches(m, 7, 0, other)) << size << " vs seq " << other;
      }
    }
    EXPECT_FALSE(tiny_matches(m, 7, 1, 1000)) << "another writer";
    EXPECT_FALSE(tiny_matches(m, 8, 0, 1000)) << "another seed";
  }
  // Zero bytes match any message of zero bytes: the reader checks the length it expects first.
  EXPECT_TRUE(tiny_matches({}, 7, 0, 5));
  EXPECT_FALSE(tiny_matches(small(kCompactMin, 0, 5), 7, 0, 5)) << "8 bytes are compact, not tiny";
}

}  // namespace
}  // namespace shmh
