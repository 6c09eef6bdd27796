// QueueModel, the plugin_ops fuzz target's oracle: it agrees with every answer a correct channel may
// give and names each wrong one.
#include "core/model/queue_model.h"

#include <gtest/gtest.h>

#include "core/channel/shmh_channel.h"

namespace shmh::model {
namespace {

using D = QueueModel::Delivered;

QueueModel fifo(std::uint32_t capacity, std::uint32_t writers = 1) {
  return QueueModel({.capacity = capacity, .max_message = 64, .fifo_per_writer = true, .writers = writers});
}

TEST(QueueModel, SendsWithinCapacityMustSucceedAndBeyondItMayTimeOut) {
  auto m = fifo(2);
  EXPECT_EQ(m.sent(0, 10, SHMH_OK), "");
  EXPECT_NE(m.sent(0, 10, SHMH_ETIMEOUT), "");  // 1 of 2 queued: no reason to wait
  EXPECT_EQ(m.sent(0, 10, SHMH_OK), "");
  EXPECT_EQ(m.sent(0, 10, SHMH_ETIMEOUT), "");  // full
  EXPECT_EQ(m.sent(0, 10, SHMH_OK), "");        // or holds more than asked: allowed
  EXPECT_EQ(m.queued(), 3U);
  EXPECT_EQ(m.next_seq(0), 3U);
}

TEST(QueueModel, OversizedSendsAreTooBigAndQueueNothing) {
  auto m = fifo(4);
  EXPECT_EQ(m.sent(0, 65, SHMH_ETOOBIG), "");
  EXPECT_NE(m.sent(0, 65, SHMH_OK), "");
  EXPECT_NE(m.sent(0, 64, SHMH_ETOOBIG), "");
  EXPECT_NE(m.sent(0, 64, SHMH_ECORRUPT), "");
  EXPECT_EQ(m.queued(), 0U);
}

TEST(QueueModel, ReceivesDeliverEachMessageOnceInOrderPerWriter) {
  auto m = fifo(8, 2);
  ASSERT_EQ(m.sent(0, 5, SHMH_OK), "");
  ASSERT_EQ(m.sent(1, 7, SHMH_OK), "");
  ASSERT_EQ(m.sent(0, 6, SHMH_OK), "");
  EXPECT_NE(m.received(64, 6, D{0, 1}), "");                   // seq 1 before seq 0 of writer 0
  EXPECT_EQ(m.received(64, 7, D{1, 0}), "");                   // writers interleave freely
  EXPECT_NE(m.received(64, 7, D{1, 0}), "");                   // twice
  EXPECT_NE(m.received(64, 7, D{1, 1}), "");                   // never sent
  EXPECT_NE(m.received(64, 5, std::nullopt), "");              // bytes no writer sent
  EXPECT_NE(m.received(64, SHMH_ETIMEOUT, std::nullopt), "");  // two still queued
  EXPECT_EQ(m.received(64, 5, D{0, 0}), "");
  EXPECT_EQ(m.received(64, 6, D{0, 1}), "");
  EXPECT_EQ(m.received(64, SHMH_ETIMEOUT, std::nullopt), "");
  EXPECT_EQ(m.queued(), 0U);
}

TEST(QueueModel, WithoutFifoAnyQueuedMessageMayComeNext) {
  QueueModel m({.capacity = 8, .max_message = 64, .fifo_per_writer = false, .writers = 1});
  ASSERT_EQ(m.sent(0, 5, SHMH_OK), "");
  ASSERT_EQ(m.sent(0, 6, SHMH_OK), "");
  EXPECT_EQ(m.received(64, 6, D{0, 1}), "");
  EXPECT_EQ(m.received(64, 5, D{0, 0}), "");
}

TEST(QueueModel, TooBigOnlyWhenTheNextMessageDoesNotFitAndItStaysQueued) {
  auto m = fifo(4);
  ASSERT_EQ(m.sent(0, 10, SHMH_OK), "");
  EXPECT_EQ(m.smallest_next(), 10U);
  EXPECT_EQ(m.received(9, SHMH_ETOOBIG, std::nullopt), "");
  EXPECT_NE(m.received(10, SHMH_ETOOBIG, std::nullopt), "");  // it fits
  EXPECT_NE(m.received(9, 10, D{0, 0}), "");                  // a length beyond the buffer
  EXPECT_EQ(m.received(10, 10, D{0, 0}), "");                 // still there after the ETOOBIG
  EXPECT_NE(m.received(9, SHMH_ETOOBIG, std::nullopt), "");   // empty now
}

TEST(QueueModel, ReceivesOnAnEmptyChannelTimeOut) {
  auto m = fifo(4);
  EXPECT_EQ(m.received(64, SHMH_ETIMEOUT, std::nullopt), "");
  EXPECT_NE(m.received(64, SHMH_ECLOSED, std::nullopt), "");
  EXPECT_NE(m.received(64, 0, std::nullopt), "");
}

TEST(QueueModel, EmptyMessagesAreToldApartByOrder) {
  auto m = fifo(4);
  EXPECT_FALSE(m.identify_empty().has_value());
  ASSERT_EQ(m.sent(0, 0, SHMH_OK), "");
  ASSERT_EQ(m.sent(0, 3, SHMH_OK), "");
  ASSERT_EQ(m.sent(0, 0, SHMH_OK), "");
  ASSERT_TRUE(m.identify_empty().has_value());
  EXPECT_EQ(m.identify_empty()->seq, 0U);
  EXPECT_EQ(m.received(64, 0, m.identify_empty()), "");
  EXPECT_EQ(m.identify_empty()->seq, 2U);
  EXPECT_NE(m.received(64, 0, m.identify_empty()), "");  // seq 2 before seq 1
}

TEST(QueueModel, AnEmptyMessageDeliveredAgainIsNamed) {
  auto m = fifo(4);
  ASSERT_EQ(m.sent(0, 0, SHMH_OK), "");
  ASSERT_EQ(m.received(64, 0, m.identify_empty()), "");
  ASSERT_TRUE(m.identify_empty().has_value());
  EXPECT_NE(m.received(64, 0, m.identify_empty()), "");
}

}  // namespace
}  // namespace shmh::model
