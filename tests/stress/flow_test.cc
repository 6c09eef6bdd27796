// The message flow's pieces on their own, on a real `ring` channel: the runner's final drain checks
// what the readers left (intact, duplicate, corrupt) in a child process and in this thread, and a
// kill's accounting reads only what a victim's cursor allows, bounds-checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/channel/channel_registry.h"
#include "core/framing/frame.h"
#include "stress/flow/final_drain.h"
#include "stress/flow/kill_accounting.h"
#include "stress/flow/receive_stage.h"
#include "tests/support/test_support.h"

namespace shmh::stress {
namespace {

constexpr std::uint64_t kSeed = 99;

// A one-lane queue flow over a fresh ring, with 2 writers and 1 reader on its board.
struct FlowFixture {
  StressOptions options;
  Phase phase;
  ChannelSource source;
  std::unique_ptr<Flow> flow;

  explicit FlowFixture(PeerMode mode) {
    options.mode = mode;
    phase.name = "test";
    phase.writers = 2;
    phase.readers = 1;
    phase.msg_max = 128;
    auto s = resolve_channel("ring");
    EXPECT_TRUE(s.ok());
    source = *s;
    auto made = make_flow(phase, options, kSeed, source, Topology::kQueue, true);
    EXPECT_TRUE(made.ok());
    flow = std::move(*made);
    auto ch = Channel::create(*source.vtable,
                              {.capacity = 16, .max_message = 128, .backend = 0, .mode = 0600, .name = "flow-test"});
    EXPECT_TRUE(ch.ok());
    flow->addresses.push_back(ch->address());
    flow->channels.push_back(std::move(*ch));
  }
  ~FlowFixture() {
    for (auto& c : flow->channels) (void)c.destroy();
  }
  FlowFixture(const FlowFixture&) = delete;
  FlowFixture& operator=(const FlowFixture&) = delete;

  void send(std::uint32_t writer, std::uint64_t seq) {
    FrameWriter frames(kSeed, writer, 128);
    ASSERT_EQ(flow->channels[0].send(frames.encode(seq, 40 + seq, 0), 0), SHMH_OK);
  }
};

class Drain : public ::testing::TestWithParam<PeerMode> {};

TEST_P(Drain, ChecksEveryLeftoverLikeAnArrival) {
  FlowFixture f(GetParam());
  f.send(0, 0);
  f.send(1, 0);
  f.send(0, 1);
  f.send(0, 1);  // the same message twice: a duplicate
  std::vector<std::byte> junk(64, std::byte{0x5a});
  ASSERT_EQ(f.flow->channels[0].send(junk, 0), SHMH_OK);  // not a frame: corrupt
  auto leftovers = std::make_unique<PeerRecord>();
  auto drained = drain_leftovers(*f.flow, *leftovers);
  ASSERT_TRUE(drained.ok()) << drained.error().message();
  EXPECT_EQ(leftovers->ok.load(), 3U);
  EXPECT_EQ(leftovers->duplicated.load(), 1U);
  EXPECT_EQ(leftovers->corrupt.load(), 1U);
  EXPECT_TRUE(f.flow->ledger.has(0, 0, 0));
  EXPECT_TRUE(f.flow->ledger.has(0, 1, 0));
  EXPECT_TRUE(f.flow->ledger.has(0, 0, 1));
  EXPECT_FALSE(f.flow->ledger.has(0, 1, 1));
  std::vector<std::byte> buf(128);
  EXPECT_EQ(f.flow->channels[0].recv(buf, 0), SHMH_ETIMEOUT) << "the drain emptied the channel";
}

INSTANTIATE_TEST_SUITE_P(PeerModes, Drain, ::testing::Values(PeerMode::kProcesses, PeerMode::kThreads),
                         [](const auto& param_info) { return std::string(to_string(param_info.param)); });

TEST(KillAccounting, AWriterKilledInsideSendLeavesThatSequenceInDoubt) {
  FlowFixture f(PeerMode::kProcesses);
  SendCursor& c = f.flow->send_cursor(1);
  PeerRecord& rec = f.flow->board.writer(1);
  rec.recorder.start_sends(1, 0, 0);
  c.next_seq.store(7);
  rec.begin(PeerOp::kSend, 7);
  account_flow_kill(*f.flow, {Role::kWriter, 1});
  EXPECT_EQ(f.flow->sends.in_doubt[1], std::vector<std::uint64_t>{7});
  EXPECT_EQ(c.next_seq.load(), 8U) << "the restart does not resend it";
  // Its history: sends 0..6 implied as returned, 7 recorded as the send it died in (not as returned).
  const auto h = rec.recorder.last(16, f.flow->cursor_now(1), f.flow->implied_sends().size_of);
  ASSERT_EQ(h.size(), 8U);
  EXPECT_EQ(h.back().seq, 7U);
  EXPECT_EQ(h.back().outcome, FlightOutcome::kPending);
  EXPECT_EQ(h.back().size, f.flow->size_of(1, 7));
  EXPECT_EQ(h[6].seq, 6U);
  EXPECT_EQ(h[6].outcome, FlightOutcome::kOk);
  // Between sends: nothing in doubt.
  account_flow_kill(*f.flow, {Role::kWriter, 1});
  EXPECT_EQ(f.flow->sends.in_doubt[1].size(), 1U);
}

TEST(KillAccounting, AGarbledCursorIsNotTrusted) {
  FlowFixture f(PeerMode::kProcesses);
  SendCursor& c = f.flow->send_cursor(0);
  PeerRecord& rec = f.flow->board.writer(0);
  c.next_seq.store(10);
  rec.begin(PeerOp::kSend, f.flow->ledger.capacity() + 5);  // beyond anything a writer may send
  account_flow_kill(*f.flow, {Role::kWriter, 0});
  EXPECT_TRUE(f.flow->sends.in_doubt[0].empty());
  EXPECT_EQ(c.next_seq.load(), 10U);
  rec.begin(PeerOp::kSend, 3);  // behind next_seq: already sent, not in doubt
  account_flow_kill(*f.flow, {Role::kWriter, 0});
  EXPECT_TRUE(f.flow->sends.in_doubt[0].empty());
  rec.begin(PeerOp::kIdle, 12);  // not inside send: an argument past next_seq means nothing
  account_flow_kill(*f.flow, {Role::kWriter, 0});
  EXPECT_TRUE(f.flow->sends.in_doubt[0].empty());
  EXPECT_TRUE(rec.recorder.last(16).empty()) << "nothing recorded for a kill between sends";
  ReceiveCursor& r = f.flow->receive_cursor(0);
  r.step.store(77);  // no such step
  account_flow_kill(*f.flow, {Role::kReader, 0});
  EXPECT_EQ(f.flow->sends.reader_kills_receiving[0], 0U);
  EXPECT_EQ(r.get(), ReceiveStep::kIdle);
}

TEST(KillAccounting, AReaderKilledWithAnIdentifiedMessageHasItRecorded) {
  FlowFixture f(PeerMode::kProcesses);
  ReceiveCursor& r = f.flow->receive_cursor(0);
  r.pending_writer.store(1);
  r.pending_sequence.store(4);
  r.set(ReceiveStep::kPending);
  account_flow_kill(*f.flow, {Role::kReader, 0});
  EXPECT_TRUE(f.flow->ledger.has(0, 1, 4));
  EXPECT_EQ(f.flow->sends.reader_kills_receiving[0], 0U);
  const PeerRecord& rec = f.flow->board.reader(0);
  auto h = rec.recorder.last(4);
  ASSERT_EQ(h.size(), 1U);
  EXPECT_EQ(describe(h[0]), "recv w1#4 " + std::to_string(f.flow->size_of(1, 4)) + " B ok")
      << "what the runner recorded for it";
  r.set(ReceiveStep::kPending);  // killed again, after its reader recorded it: not recorded twice
  account_flow_kill(*f.flow, {Role::kReader, 0});
  EXPECT_EQ(rec.recorder.last(4).size(), 1U);
  r.set(ReceiveStep::kInRecv);
  account_flow_kill(*f.flow, {Role::kReader, 0});
  EXPECT_EQ(f.flow->sends.reader_kills_receiving[0], 1U) << "inside recv: one message may have gone with it";
  h = rec.recorder.last(4);
  ASSERT_EQ(h.size(), 2U);
  EXPECT_EQ(describe(h[1]), "recv 0 B in-progress") << "its history ends with the receive it died in";
}

// A reader that checks each message after its next recv leaves up to two messages staged in shared
// memory when it is killed: the runner checks them itself, oldest first, so none is counted lost.
struct StagedReader {
  FlowFixture f{PeerMode::kProcesses};
  ReceiveCursor& cursor = f.flow->receive_cursor(0);
  StagedReader() {
    auto stages = ReceiveStages::create(1, 128);
    EXPECT_TRUE(stages.ok());
    f.flow->stages = std::move(*stages);
    f.flow->sizes = SizePicker(kFrameHeaderSize, 128);
  }
  // Writer w's message `seq` received into slot i, not yet checked.
  void stage(std::uint32_t i, std::uint32_t w, std::uint64_t seq) const {
    FrameWriter frames(kSeed, w, 128);
    const auto m = frames.encode(seq, f.flow->size_of(w, seq), 0);
    std::copy(m.begin(), m.end(), f.flow->stages.slot(0, i).begin());
    cursor.staged[i].store(static_cast<std::uint32_t>(m.size()) + 1);
  }
  [[nodiscard]] std::vector<std::string> history() const {
    std::vector<std::string> out;
    for (const auto& e : f.flow->board.reader(0).recorder.last(8)) out.push_back(describe(e));
    return out;
  }
};

TEST(KillAccounting, AReaderKilledAfterItsRecvReturnedHasBothStagedMessagesCheckedOldestFirst) {
  StagedReader s;
  s.stage(0, 0, 3);  // held from the recv before
  s.stage(1, 0, 4);  // the recv it was in had returned into slot 1
  s.cursor.set(ReceiveStep::kInRecv, 1);
  account_flow_kill(*s.f.flow, {Role::kReader, 0});
  EXPECT_EQ(s.f.flow->sends.reader_kills_receiving[0], 0U) << "recv had returned: nothing went with it";
  EXPECT_TRUE(s.f.flow->ledger.has(0, 0, 3));
  EXPECT_TRUE(s.f.flow->ledger.has(0, 0, 4));
  const PeerRecord& rec = s.f.flow->board.reader(0);
  EXPECT_EQ(rec.ok.load(), 2U);
  EXPECT_EQ(rec.reordered.load() + rec.corrupt.load() + rec.duplicated.load(), 0U) << "checked in arrival order";
  EXPECT_EQ(s.history(), (std::vector<std::string>{"recv w0#3 " + std::to_string(s.f.flow->size_of(0, 3)) + " B ok",
                                                   "recv w0#4 " + std::to_string(s.f.flow->size_of(0, 4)) + " B ok"}));
  EXPECT_EQ(s.cursor.staged[0].load() + s.cursor.staged[1].load(), 0U);
  EXPECT_EQ(s.cursor.get(), ReceiveStep::kIdle);
}

TEST(KillAccounting, AReaderKilledInsideRecvWithAMessageHeldHasItCheckedAndOneAllowed) {
  StagedReader s;
  s.stage(1, 1, 0);
  s.cursor.set(ReceiveStep::kInRecv, 0);  // its recv into slot 0 had not returned
  account_flow_kill(*s.f.flow, {Role::kReader, 0});
  EXPECT_EQ(s.f.flow->sends.reader_kills_receiving[0], 1U);
  EXPECT_TRUE(s.f.flow->ledger.has(0, 1, 0));
}

TEST(KillAccounting, AReaderKilledWhileCheckingAStagedMessageDoesNotHaveItCheckedTwice) {
  StagedReader s;
  s.stage(0, 0, 7);  // being checked: the reader had it pending (and maybe marked already)
  s.stage(1, 0, 8);
  s.cursor.pending_writer.store(0);
  s.cursor.pending_sequence.store(7);
  s.cursor.set(ReceiveStep::kPending, 0);
  ASSERT_EQ(s.f.flow->ledger.mark(0, 0, 7), Mark::kFirst);  // the reader had marked it
  account_flow_kill(*s.f.flow, {Role::kReader, 0});
  const PeerRecord& rec = s.f.flow->board.reader(0);
  EXPECT_EQ(rec.duplicated.load(), 0U) << "the pending message is the one in slot 0, not a second copy";
  EXPECT_TRUE(s.f.flow->ledger.has(0, 0, 8));
  EXPECT_EQ(rec.ok.load(), 1U);
}

TEST(KillAccounting, AStagedSizeFromADeadReaderIsBounded) {
  StagedReader s;
  s.stage(0, 0, 1);
  s.cursor.staged[0].store(0xffffffffU);  // garbage: a size beyond the slot
  s.cursor.set(ReceiveStep::kIdle, 0);
  account_flow_kill(*s.f.flow, {Role::kReader, 0});
  const PeerRecord& rec = s.f.flow->board.reader(0);
  EXPECT_EQ(rec.corrupt.load(), 1U) << "read as the slot's 128 bytes: not the frame it holds";
  EXPECT_FALSE(s.f.flow->ledger.has(0, 0, 1));
}

}  // namespace
}  // namespace shmh::stress
