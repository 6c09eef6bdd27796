// A writer's Sending on its own (no channel: its messages are taken as a send would take them):
// which message comes for each sequence — frames encoded ahead, the stamped one, messages too
// small for a frame — and what the board shows before, during and after each send, so that kill
// accounting, the watchdog and the flight recorder read what they expect.
#include "stress/flow/sending.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/framing/frame.h"
#include "core/framing/small_message.h"

namespace shmh::stress {
namespace {

constexpr std::uint64_t kSeed = 11;

std::unique_ptr<Flow> one_writer_flow(std::uint32_t msg_min, std::uint32_t msg_max, bool lockstep = false,
                                      std::optional<std::uint64_t> messages = std::nullopt) {
  Phase phase;
  phase.writers = 2;
  phase.readers = 1;
  phase.msg_min = msg_min;
  phase.msg_max = msg_max;
  phase.lockstep = lockstep;
  phase.messages = messages;
  auto made = make_flow(phase, {}, kSeed, {}, Topology::kQueue, true);
  EXPECT_TRUE(made.ok());
  auto flow = std::move(*made);
  flow->sizes = SizePicker(msg_min, msg_max);
  return flow;
}

// Sends `n` messages of writer 1 and checks each frame and the board around its send.
void send_and_check(Flow& flow, std::uint64_t n) {
  Sending sending(flow, 1);
  const PeerRecord& rec = flow.board.writer(1);
  for (std::uint64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(sending.more());
    const std::uint64_t seq = sending.seq();
    const auto m = sending.next();
    const auto f = check_frame(m.bytes, kSeed);
    ASSERT_EQ(f.status, FrameStatus::kOk) << "seq " << seq;
    EXPECT_EQ(f.writer, 1U);
    EXPECT_EQ(f.sequence, seq);
    EXPECT_EQ(m.bytes.size(), flow.size_of(1, seq)) << "the size the reader's audit expects";
    const std::size_t stamp_bytes = frame_stamp_bytes(m.bytes.size());  // 0..8: a short frame carries less
    const std::uint64_t carried = stamp_bytes == 8 ? m.stamp : m.stamp & ((std::uint64_t{1} << (8 * stamp_bytes)) - 1);
    EXPECT_EQ(frame_stamp(m.bytes, kSeed), carried) << "seq " << seq;
    EXPECT_EQ(m.stamp != 0, seq % kStampEvery == 0) << "seq " << seq << ": one message in kStampEvery is stamped";
    sending.begin();
    EXPECT_EQ(rec.op.load(), static_cast<std::uint32_t>(PeerOp::kSend));
    EXPECT_EQ(rec.op_arg.load(), seq);
    EXPECT_EQ(flow.send_cursor(1).next_seq.load(), seq) << "inside the send: not yet sent";
    sending.sent(m, 1);
    EXPECT_EQ(rec.op.load(), static_cast<std::uint32_t>(PeerOp::kIdle));
    EXPECT_EQ(flow.send_cursor(1).next_seq.load(), seq + 1);
    EXPECT_EQ(sending.seq(), seq + 1);
  }
}

TEST(Sending, FramesEncodedAheadAreEachSequencesOwnAndTheBoardFollowsEverySend) {
  auto flow = one_writer_flow(24, 200);
  send_and_check(*flow, 100);
  const PeerRecord& rec = flow->board.writer(1);
  EXPECT_EQ(rec.progress.load(), 100U) << "progress moves with every message";
  std::uint64_t bytes = 0;
  for (std::uint64_t seq = 0; seq < 96; ++seq) bytes += flow->size_of(1, seq);
  EXPECT_EQ(rec.bytes.load(), bytes) << "bytes are published every kCountEvery messages";
  // The stamped sends are in the recorder; the others are implied by the cursor.
  const auto last = rec.recorder.last(1);
  ASSERT_EQ(last.size(), 1U);
  EXPECT_EQ(last[0].seq, 99 / kStampEvery * kStampEvery) << "the last stamped one of 0 .. 99";
  EXPECT_EQ(last[0].outcome, FlightOutcome::kOk);
}

// A restarted writer resumes at its cursor's next_seq, in the middle of an encoding group.
TEST(Sending, ARestartResumesAtTheCursorMidGroup) {
  auto flow = one_writer_flow(64, 64);
  flow->send_cursor(1).next_seq.store(37);
  Sending sending(*flow, 1);
  EXPECT_EQ(sending.seq(), 37U);
  send_and_check(*flow, 40);
  EXPECT_EQ(flow->send_cursor(1).next_seq.load(), 77U);
}

// Frames are encoded kAhead sends before their own, each by the sent() whose slot it takes: from a
// restart at a stamped sequence to a quota that ends inside the last window, every message handed
// out is its sequence's (the frame in a reused slot is never a stale one), and none past the quota.
TEST(Sending, FramesRolledAheadStayTheirsFromAStampedRestartToTheQuota) {
  auto flow = one_writer_flow(40, 200, false, 2 * 135);  // 135 for writer 1: not a multiple of 16
  flow->send_cursor(1).next_seq.store(kStampEvery);      // a restart at a stamped sequence
  send_and_check(*flow, 135 - kStampEvery);
  Sending after(*flow, 1);
  EXPECT_FALSE(after.more()) << "the quota ended it at 135";
}

TEST(Sending, MessagesTooSmallForAFrameAreTheSmallEncoding) {
  auto flow = one_writer_flow(8, 40);
  Sending sending(*flow, 1);
  int small = 0;
  for (std::uint64_t seq = 0; seq < 200; ++seq) {
    const auto m = sending.next();
    const std::uint32_t n = flow->size_of(1, seq);
    ASSERT_EQ(m.bytes.size(), n);
    if (n < kFrameHeaderSize) {
      ++small;
      std::vector<std::byte> expected(n);
      encode_small(expected, kSeed, 1, seq);
      EXPECT_TRUE(std::equal(m.bytes.begin(), m.bytes.end(), expected.begin())) << "seq " << seq;
      EXPECT_EQ(m.stamp, 0U);
    } else {
      EXPECT_EQ(check_frame(m.bytes, kSeed).sequence, seq);
    }
    sending.begin();
    sending.sent(m, 1);
  }
  EXPECT_GT(small, 0) << "sizes 8..40 include messages smaller than a frame header";
}

TEST(Sending, InLockstepTheSendTimeIsKeptAndTheQuotaEndsIt) {
  auto flow = one_writer_flow(64, 64, true, 10);  // 10 messages between 2 writers: 5 for writer 1
  Sending sending(*flow, 1);
  std::uint64_t sent = 0;
  while (sending.more()) {
    const auto m = sending.next();
    sending.begin();
    sending.sent(m, 3);  // three lanes
    ++sent;
    EXPECT_NE(flow->send_cursor(1).sent_at.load(), 0U);
  }
  sending.publish_counts();
  EXPECT_EQ(sent, 5U);
  EXPECT_EQ(flow->board.writer(1).bytes.load(), 5U * 64 * 3) << "each lane's send counted";
}

}  // namespace
}  // namespace shmh::stress
