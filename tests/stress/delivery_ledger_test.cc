#include "stress/delivery_ledger.h"

#include <gtest/gtest.h>

namespace shmh::stress {
namespace {

SendRecord sent(std::vector<std::uint64_t> next, std::vector<std::vector<std::uint64_t>> doubt = {},
                std::vector<std::uint64_t> reader_kills = {}) {
  SendRecord s;
  s.next_seq = std::move(next);
  s.in_doubt = std::move(doubt);
  s.in_doubt.resize(s.next_seq.size());
  s.reader_kills_receiving = std::move(reader_kills);
  return s;
}

TEST(DeliveryLedger, MarksFirstThenDuplicateAndRefusesForeignIdentities) {
  auto l = DeliveryLedger::create(1, 2);
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->mark(0, 1, 5), Mark::kFirst);
  EXPECT_EQ(l->mark(0, 1, 5), Mark::kDuplicate);
  EXPECT_TRUE(l->has(0, 1, 5));
  EXPECT_FALSE(l->has(0, 0, 5));
  EXPECT_EQ(l->mark(0, 2, 0), Mark::kOutOfRange) << "writer beyond the ledger";
  EXPECT_EQ(l->mark(1, 0, 0), Mark::kOutOfRange) << "lane beyond the ledger";
  EXPECT_EQ(l->mark(0, 0, l->capacity()), Mark::kOutOfRange) << "sequence beyond the ledger";
  EXPECT_FALSE(DeliveryLedger::create(0, 1));
  EXPECT_FALSE(DeliveryLedger::create(1, 0));
}

TEST(DeliveryLedger, EverythingArrivedIsClean) {
  auto l = DeliveryLedger::create(1, 2);
  ASSERT_TRUE(l);
  for (std::uint64_t s = 0; s < 1000; ++s) (void)l->mark(0, 0, s);
  for (std::uint64_t s = 0; s < 70; ++s) (void)l->mark(0, 1, s);
  const Audit a = l->audit(sent({1000, 70}));
  EXPECT_EQ(a.counts.sent, 1070U);
  EXPECT_EQ(a.counts.received, 1070U);
  EXPECT_EQ(a.counts.lost, 0U);
  EXPECT_EQ(a.counts.abandoned, 0U);
  EXPECT_EQ(a.phantom, 0U);
}

TEST(DeliveryLedger, AMissingMessageIsLostAndNamed) {
  auto l = DeliveryLedger::create(1, 1);
  ASSERT_TRUE(l);
  for (std::uint64_t s = 0; s < 100; ++s) {
    if (s != 64) (void)l->mark(0, 0, s);
  }
  const Audit a = l->audit(sent({100}));
  EXPECT_EQ(a.counts.lost, 1U);
  EXPECT_EQ(a.counts.received, 99U);
  ASSERT_EQ(a.lost_examples.size(), 1U);
  EXPECT_EQ(a.lost_examples[0], "writer 0 seq 64");
}

TEST(DeliveryLedger, AKilledWritersInFlightMessageMayBeMissingOrPresent) {
  auto l = DeliveryLedger::create(1, 1);
  ASSERT_TRUE(l);
  for (std::uint64_t s = 0; s < 100; ++s) {
    if (s != 10) (void)l->mark(0, 0, s);  // 10 was in flight at a kill and never arrived; 20 was and did
  }
  const Audit a = l->audit(sent({100}, {{10, 20}}));
  EXPECT_EQ(a.counts.lost, 0U);
  EXPECT_EQ(a.counts.abandoned, 1U);
  EXPECT_EQ(a.counts.sent, 99U) << "the in-flight message that arrived was sent";
}

TEST(DeliveryLedger, AReaderKillExplainsOneMissingMessageAndNoMore) {
  auto l = DeliveryLedger::create(1, 1);
  ASSERT_TRUE(l);
  for (std::uint64_t s = 0; s < 100; ++s) {
    if (s != 3 && s != 7 && s != 9) (void)l->mark(0, 0, s);
  }
  const Audit a = l->audit(sent({100}, {}, {2}));
  EXPECT_EQ(a.counts.abandoned, 2U) << "two reader kills inside recv: two messages may have gone";
  EXPECT_EQ(a.counts.lost, 1U) << "the third is a loss";
}

TEST(DeliveryLedger, LanesAreAccountedSeparately) {
  auto l = DeliveryLedger::create(2, 1);
  ASSERT_TRUE(l);
  for (std::uint64_t s = 0; s < 10; ++s) (void)l->mark(0, 0, s);
  for (std::uint64_t s = 0; s < 9; ++s) (void)l->mark(1, 0, s);
  const Audit a = l->audit(sent({10}));
  EXPECT_EQ(a.counts.sent, 20U);
  EXPECT_EQ(a.counts.lost, 1U);
  ASSERT_EQ(a.lost_examples.size(), 1U);
  EXPECT_EQ(a.lost_examples[0], "writer 0 seq 9 (reader 1)");
}

TEST(DeliveryLedger, ASequenceNeverSentIsAPhantom) {
  auto l = DeliveryLedger::create(1, 1);
  ASSERT_TRUE(l);
  (void)l->mark(0, 0, 0);
  (void)l->mark(0, 0, 5);
  const Audit a = l->audit(sent({1}));
  EXPECT_EQ(a.phantom, 1U);
}

}  // namespace
}  // namespace shmh::stress
