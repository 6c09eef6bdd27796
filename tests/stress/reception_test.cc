// A reader's Reception on its own (no channel: messages are handed to it as recv would): the fast
// path for intact, in-order, first arrivals and the from-scratch path for everything else must
// reach the same verdicts check_received reaches — counted by kind, in the ledger, in the flight
// recorder — and leave the cursor where kill accounting expects it.
#include "stress/flow/reception.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/framing/frame.h"
#include "core/framing/small_message.h"

namespace shmh::stress {
namespace {

constexpr std::uint64_t kSeed = 7;
constexpr std::uint32_t kMax = 128;

// One lane, `writers` writers, one reader; `fifo` as the channel would declare.
std::unique_ptr<Flow> one_lane_flow(std::uint32_t writers, bool fifo) {
  Phase phase;
  phase.writers = writers;
  phase.readers = 1;
  phase.msg_max = kMax;
  auto made = make_flow(phase, {}, kSeed, {}, Topology::kQueue, fifo);
  EXPECT_TRUE(made.ok());
  auto flow = std::move(*made);
  flow->sizes = SizePicker(8, kMax);
  // Every writer has sent far enough for any sequence used here (a report names a suspect by it).
  for (std::uint32_t w = 0; w < writers; ++w) flow->send_cursor(w).next_seq.store(1000);
  return flow;
}

std::vector<std::byte> frame(std::uint32_t writer, std::uint64_t seq, std::size_t size = 64) {
  FrameWriter frames(kSeed, writer, kMax);
  const auto f = frames.encode(seq, size, seq % kStampEvery == 0 ? 1 : 0);
  return {f.begin(), f.end()};
}

TEST(Reception, IntactInOrderMessagesAreCountedRecordedAndLeaveTheCursorPending) {
  auto flow = one_lane_flow(2, true);
  Reception r(*flow, 0);
  ReceiveCursor& c = flow->receive_cursor(0);
  for (std::uint64_t seq = 0; seq < 40; ++seq) {
    const std::uint32_t slot = seq % 2 == 0 ? 0 : 1;
    c.staged[slot].store(65);  // as a staging reader leaves it: the message in that slot, unchecked
    r.take(frame(static_cast<std::uint32_t>(seq % 2), seq / 2), {.slot = slot, .time_ns = 0});
    EXPECT_EQ(c.staged[slot].load(), 0U) << "taken: no longer staged";
  }
  r.publish_counts();
  const PeerRecord& rec = flow->board.reader(0);
  EXPECT_EQ(rec.ok.load(), 40U);
  EXPECT_EQ(rec.progress.load(), 40U);
  EXPECT_EQ(rec.bytes.load(), 40U * 64);
  EXPECT_EQ(rec.corrupt.load() + rec.duplicated.load() + rec.reordered.load(), 0U);
  EXPECT_TRUE(flow->ledger.has(0, 1, 19));
  EXPECT_FALSE(flow->ledger.has(0, 1, 20));
  const auto last = rec.recorder.last(1);
  ASSERT_EQ(last.size(), 1U);
  EXPECT_EQ(last[0].writer, 1U);
  EXPECT_EQ(last[0].seq, 19U);
  EXPECT_EQ(last[0].outcome, FlightOutcome::kOk);
  // Left pending on the last message (from slot 1), already recorded: kill accounting adds nothing.
  EXPECT_EQ(c.get(), ReceiveStep::kPending);
  EXPECT_EQ(c.slot(), 1U);
  EXPECT_EQ(c.pending_writer.load(), 1U);
  EXPECT_EQ(c.pending_sequence.load(), 19U);
  EXPECT_EQ(flow->board.last_seen(0, 0).load(), 19U);
}

TEST(Reception, EveryProblemIsCountedByItsKindAndLeavesTheCursorIdle) {
  auto flow = one_lane_flow(1, true);
  Reception r(*flow, 0);
  r.take(frame(0, 5));
  r.take(frame(0, 5));  // again
  r.take(frame(0, 3));  // after seq 5 on a FIFO channel
  auto bad = frame(0, 6);
  bad[50] ^= std::byte{1};
  r.take(bad);
  const auto cut = frame(0, 7);
  r.take(std::span(cut).first(40));  // cut short
  r.publish_counts();
  const PeerRecord& rec = flow->board.reader(0);
  EXPECT_EQ(rec.ok.load(), 1U);
  EXPECT_EQ(rec.duplicated.load(), 1U);
  EXPECT_EQ(rec.reordered.load(), 1U);
  EXPECT_EQ(rec.corrupt.load(), 2U);
  EXPECT_EQ(rec.progress.load(), 5U);
  EXPECT_FALSE(flow->ledger.has(0, 0, 6)) << "a corrupt message is not recorded as delivered";
  EXPECT_EQ(flow->receive_cursor(0).get(), ReceiveStep::kIdle);
  const auto history = rec.recorder.last(5);
  ASSERT_EQ(history.size(), 5U);
  EXPECT_EQ(history[1].outcome, FlightOutcome::kDuplicate);
  EXPECT_EQ(history[2].outcome, FlightOutcome::kReordered);
  EXPECT_EQ(history[3].outcome, FlightOutcome::kCorrupt);
  EXPECT_EQ(history[4].outcome, FlightOutcome::kCorrupt);
}

TEST(Reception, WhatTheFastPathLeavesToCheckReceivedCanStillBeIntact) {
  auto flow = one_lane_flow(1, false);  // no FIFO promise: a late message is not a problem
  Reception r(*flow, 0);
  r.take(frame(0, 9));
  r.take(frame(0, 4));
  std::vector<std::byte> compact(12);
  encode_small(compact, kSeed, 0, 10);
  r.take(compact);
  r.publish_counts();
  const PeerRecord& rec = flow->board.reader(0);
  EXPECT_EQ(rec.ok.load(), 3U);
  EXPECT_EQ(rec.reordered.load() + rec.corrupt.load(), 0U);
  EXPECT_TRUE(flow->ledger.has(0, 0, 4));
  EXPECT_TRUE(flow->ledger.has(0, 0, 10));
  EXPECT_EQ(flow->board.last_seen(0, 0).load(), 10U) << "the order check keeps the highest sequence";
}

}  // namespace
}  // namespace shmh::stress
