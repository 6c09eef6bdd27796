#include "core/framing/frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/framing/frame_verifier.h"

namespace shmh {
namespace {

std::vector<std::byte> frame(std::size_t size, std::uint32_t writer, std::uint64_t seq, std::uint64_t seed = 7) {
  std::vector<std::byte> m(size);
  encode_frame(m, seed, writer, seq);
  return m;
}

TEST(Frame, RoundTripsAtEverySizeAndResidue) {
  for (std::size_t size = kFrameHeaderSize; size < kFrameHeaderSize + 70; ++size) {
    auto m = frame(size, 3, 99);
    const auto f = check_frame(m, 7);
    ASSERT_EQ(f.status, FrameStatus::kOk) << size;
    EXPECT_EQ(f.writer, 3U);
    EXPECT_EQ(f.sequence, 99U);
  }
}

TEST(Frame, EveryFlippedBitIsCorruptionAtEverySize) {
  // Every size up to a few words past the header: 24 (no payload), 25..31 (part of a stamp word),
  // 32 (exactly the stamp word: nothing but the check word covers writer and sequence there).
  // FrameChecker too: its laid-out pattern is compared two words at a time, then the rest.
  FrameWriter w(7, 1, 100);
  const FrameChecker checker(7, 100);
  for (std::size_t size = kFrameHeaderSize; size <= 100; ++size) {
    const auto encoded = w.encode(5, size, 0x1122334455667788ULL);
    std::vector<std::byte> m(encoded.begin(), encoded.end());
    for (std::size_t i = 0; i < m.size(); ++i) {
      for (int b = 0; b < 8; ++b) {
        m[i] ^= std::byte{static_cast<unsigned char>(1U << b)};
        ASSERT_NE(check_frame(m, 7).status, FrameStatus::kOk) << "size " << size << " byte " << i << " bit " << b;
        ASSERT_NE(checker.check(m).status, FrameStatus::kOk) << "size " << size << " byte " << i << " bit " << b;
        m[i] ^= std::byte{static_cast<unsigned char>(1U << b)};
      }
    }
    EXPECT_EQ(check_frame(m, 7).status, FrameStatus::kOk);
    EXPECT_EQ(checker.check(m).status, FrameStatus::kOk);
    EXPECT_EQ(check_frame(m, 8).status, FrameStatus::kCorrupt) << "another run's seed, size " << size;
  }
}

TEST(Frame, ShortMessagesAreTruncated) {
  auto m = frame(100, 0, 0);
  EXPECT_EQ(check_frame(std::span(m).first(99), 7).status, FrameStatus::kTruncated);
  EXPECT_EQ(check_frame(std::span(m).first(kFrameHeaderSize - 1), 7).status, FrameStatus::kTruncated);
  EXPECT_EQ(check_frame({}, 7).status, FrameStatus::kTruncated);
  std::vector<std::byte> longer = m;
  longer.push_back(std::byte{0});
  EXPECT_EQ(check_frame(longer, 7).status, FrameStatus::kCorrupt) << "extra bytes";
}

TEST(Frame, FirstBadByteLocatesPayloadDamage) {
  auto m = frame(200, 2, 8);
  m[150] ^= std::byte{0xff};
  EXPECT_EQ(first_bad_byte(m, 7), 150U);
  m[150] ^= std::byte{0xff};
  EXPECT_EQ(first_bad_byte(m, 7), std::nullopt);
}

TEST(Frame, ClaimedIdentityReadsTheHeaderOfADamagedFrame) {
  std::vector<std::byte> frame(200);
  encode_frame(frame, 99, 3, 4242);
  frame[150] ^= std::byte{0x20};  // a damaged payload: the checksum fails, the header still says whose
  EXPECT_EQ(check_frame(frame, 99).status, FrameStatus::kCorrupt);
  const auto claim = claimed_identity(frame);
  ASSERT_TRUE(claim.has_value());
  EXPECT_EQ(claim->writer, 3U);
  EXPECT_EQ(claim->sequence, 4242U);
  EXPECT_FALSE(claimed_identity(std::span(frame).first(kFrameHeaderSize - 1)).has_value());
}

TEST(FrameWriter, MatchesEncodeFrameWhateverTheOrderOfSizes) {
  FrameWriter w(7, 4, 300);
  for (std::uint64_t seq = 0; seq < 200; ++seq) {
    const std::size_t size = kFrameHeaderSize + (seq * 37) % (300 - kFrameHeaderSize + 1);
    const auto fast = w.encode(seq, size);
    const auto slow = frame(size, 4, seq);
    ASSERT_TRUE(std::equal(fast.begin(), fast.end(), slow.begin(), slow.end())) << "seq " << seq << " size " << size;
  }
}

// Sizes that are a multiple of 16 take encode()'s inline path (16-byte stores), the others the
// word-by-word one: the same bytes either way.
TEST(FrameWriter, MatchesEncodeFrameAtEverySize) {
  FrameWriter w(7, 4, 300, 2);
  for (std::size_t size = kFrameHeaderSize; size <= 300; ++size) {
    const auto fast = w.encode(size * 3, size, 0, size % 2);
    const auto slow = frame(size, 4, size * 3);
    ASSERT_TRUE(std::equal(fast.begin(), fast.end(), slow.begin(), slow.end())) << "size " << size;
  }
}

// Frames encoded ahead (one slot each) stay intact until their slot is encoded again, whatever was
// encoded into the others meanwhile: the stress writer encodes 16 before it sends any.
TEST(FrameWriter, FramesInTheirOwnSlotsStayIntactUntilTheSlotIsReused) {
  constexpr std::size_t kSlots = 16;
  FrameWriter w(7, 2, 100, kSlots);
  std::vector<std::span<const std::byte>> frames;
  frames.reserve(kSlots);
  for (std::uint64_t seq = 0; seq < kSlots; ++seq) {
    frames.push_back(w.encode(seq, kFrameHeaderSize + 8 + (seq * 13) % 69, seq + 1, seq));  // ≥ 8 stamp bytes
  }
  for (std::uint64_t seq = 0; seq < kSlots; ++seq) {
    const auto f = check_frame(frames[seq], 7);
    ASSERT_EQ(f.status, FrameStatus::kOk) << "slot " << seq;
    EXPECT_EQ(f.sequence, seq);
    EXPECT_EQ(f.writer, 2U);
    EXPECT_EQ(frames[seq].size(), kFrameHeaderSize + 8 + (seq * 13) % 69);
    EXPECT_EQ(frame_stamp(frames[seq], 7), seq + 1);
  }
  const auto again = w.encode(99, 100, 0, 3);
  EXPECT_EQ(check_frame(again, 7).sequence, 99U);
  EXPECT_EQ(check_frame(frames[4], 7).sequence, 4U) << "the next slot is untouched";
}

TEST(FrameWriter, CarriesAStampAtEverySize) {
  FrameWriter w(7, 1, 64);
  for (std::size_t size = kFrameHeaderSize; size <= 64; ++size) {
    const std::uint64_t stamp = 0x0123456789abcdefULL + size;
    const auto m = w.encode(5, size, stamp);
    ASSERT_EQ(check_frame(m, 7).status, FrameStatus::kOk) << size;
    const std::size_t n = frame_stamp_bytes(size);
    const std::uint64_t mask = n == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * n)) - 1;
    EXPECT_EQ(frame_stamp(m, 7), stamp & mask) << size;
    EXPECT_EQ(first_bad_byte(m, 7), std::nullopt) << "the stamp is not damage";
  }
  EXPECT_EQ(frame_stamp(frame(40, 1, 5), 7), 0U) << "encode_frame stamps 0";
}

TEST(Frame, TornBetweenTwoMessagesOfOneWriterIsCorrupt) {
  // A reader that copies a slot while the writer is still filling it with its next message: the new
  // header and first bytes, the old message's rest. Every payload word depends on the sequence.
  const auto old_one = frame(200, 1, 5);
  auto torn = frame(200, 1, 5 + 64);
  std::copy(old_one.begin() + 40, old_one.end(), torn.begin() + 40);
  EXPECT_EQ(check_frame(torn, 7).status, FrameStatus::kCorrupt);
  EXPECT_EQ(first_bad_byte(torn, 7), 40U);
}

TEST(Frame, AnotherWritersHeaderOnAnIntactPayloadIsCorrupt) {
  auto m = frame(64, 1, 5);
  const auto other = frame(64, 2, 5);
  std::copy(other.begin(), other.begin() + kFrameHeaderSize, m.begin());  // the header (and check word) of writer 2
  EXPECT_EQ(check_frame(m, 7).status, FrameStatus::kCorrupt);
  EXPECT_EQ(first_bad_byte(m, 7), kFrameHeaderSize + 8) << "every payload word after the stamp's differs";
}

TEST(FrameChecker, AgreesWithCheckFrameAtEverySizeAndBeyondItsOwn) {
  const FrameChecker checker(7, 64);
  FrameWriter w(7, 3, 200);
  for (std::size_t size = kFrameHeaderSize; size <= 200; ++size) {
    const std::uint64_t stamp = 0xfedcba9876543210ULL ^ size;
    const auto encoded = w.encode(size, size, stamp);
    std::vector<std::byte> m(encoded.begin(), encoded.end());
    const auto fast = checker.check(m);
    ASSERT_EQ(fast.status, FrameStatus::kOk) << size;
    EXPECT_EQ(fast.writer, 3U);
    EXPECT_EQ(fast.sequence, size);
    EXPECT_EQ(checker.stamp(m), frame_stamp(m, 7)) << size;
    m[size - 1] ^= std::byte{1};
    EXPECT_EQ(checker.check(m).status, check_frame(m, 7).status) << size;
    EXPECT_NE(checker.check(m).status, FrameStatus::kOk) << size;
  }
  EXPECT_EQ(FrameChecker(8, 64).check(frame(64, 0, 0)).status, FrameStatus::kCorrupt) << "another run's seed";
  const auto whole = frame(64, 0, 0);
  EXPECT_EQ(checker.check(std::span(whole).first(10)).status, FrameStatus::kTruncated);
}

TEST(Frame, ConsecutiveSequencesDifferInPayload) {
  const auto a = frame(64, 0, 1);
  const auto b = frame(64, 0, 2);
  EXPECT_FALSE(std::equal(a.begin() + kFrameHeaderSize, a.end(), b.begin() + kFrameHeaderSize));
}

TEST(FrameVerifier, ClassifiesEveryKind) {
  FrameVerifier v(7, 2);
  EXPECT_EQ(v.verify(frame(40, 0, 0)), Verdict::kOk);
  EXPECT_EQ(v.verify(frame(40, 0, 2)), Verdict::kOk) << "a gap is not an error by itself";
  EXPECT_EQ(v.verify(frame(40, 0, 1)), Verdict::kReordered);
  EXPECT_EQ(v.verify(frame(40, 0, 2)), Verdict::kDuplicate);
  EXPECT_EQ(v.verify(frame(40, 5, 0)), Verdict::kUnknownWriter);
  auto bad = frame(40, 1, 0);
  bad[30] ^= std::byte{1};
  EXPECT_EQ(v.verify(bad), Verdict::kCorrupt);
  const auto whole = frame(40, 1, 0);
  EXPECT_EQ(v.verify(std::span(whole).first(30)), Verdict::kTruncated);
  EXPECT_EQ(v.verify(frame(40, 1, 100000)), Verdict::kOk) << "sequences far ahead grow the bitmap";
  const auto& c = v.counts();
  EXPECT_EQ(c.ok, 3U);
  EXPECT_EQ(c.reordered, 1U);
  EXPECT_EQ(c.duplicate, 1U);
  EXPECT_EQ(c.unknown_writer, 1U);
  EXPECT_EQ(c.corrupt, 1U);
  EXPECT_EQ(c.truncated, 1U);
  EXPECT_EQ(v.received_from(0), 3U);
  EXPECT_TRUE(v.seen(0, 1));
  EXPECT_FALSE(v.seen(0, 3));
}

}  // namespace
}  // namespace shmh
