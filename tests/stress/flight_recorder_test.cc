// The flight recorder: a ring of each peer's last operations in shared memory, read back by the
// runner as untrusted bytes, and the snapshot a reader takes of a writer's ring at its first problem.
#include "stress/flight_recorder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "stress/peer_board.h"

namespace shmh::stress {
namespace {

constexpr auto kSend = static_cast<std::uint8_t>(PeerOp::kSend);
// Sizes as a run derives them: a function of writer and sequence.
const SizeOf sizes = [](std::uint32_t w, std::uint64_t seq) { return static_cast<std::uint32_t>(8 + w + seq % 50); };

TEST(FlightRecorder, KeepsTheLastEntriesOldestFirstAcrossTheWrap) {
  auto rec = std::make_unique<FlightRecorder>();
  EXPECT_TRUE(rec->last(16).empty());
  const std::uint64_t total = FlightRecorder::kEntries + 72;
  for (std::uint64_t seq = 0; seq < total; ++seq) {
    rec->record(kSend, FlightOutcome::kOk, 2, static_cast<std::uint32_t>(seq % 100), 3, seq, seq % 16 == 0 ? seq : 0);
  }
  const auto all = rec->last(1000);
  ASSERT_EQ(all.size(), FlightRecorder::kEntries) << "never more than the ring holds";
  EXPECT_EQ(all.front().seq, total - FlightRecorder::kEntries);
  EXPECT_EQ(all.back().seq, total - 1);
  const auto few = rec->last(3);
  ASSERT_EQ(few.size(), 3U);
  EXPECT_EQ(few[0].seq, total - 3);
  EXPECT_EQ(few[2].op, kSend);
  EXPECT_EQ(few[2].writer, 3U);
  EXPECT_EQ(few[2].incarnation, 2U);
  EXPECT_EQ(few[2].size, (total - 1) % 100);
  EXPECT_EQ(describe(few[2]),
            "send w3#" + std::to_string(total - 1) + " " + std::to_string((total - 1) % 100) + " B ok");
}

TEST(FlightRecorder, EntriesThatDoNotDecodeAreDroppedNotTrusted) {
  auto rec = std::make_unique<FlightRecorder>();
  rec->record(kSend, FlightOutcome::kOk, 0, 8, 0, 1, 0);
  rec->record(kSend, FlightOutcome::kOk, 0, 8, 0, 2, 0);
  // A scribbler (the channel under test shares the peer's memory) garbles the first entry's op.
  rec->slots[0].head.store(0xffffffffffffffffULL);
  const auto last = rec->last(8);
  ASSERT_EQ(last.size(), 1U);
  EXPECT_EQ(last[0].seq, 2U);
  rec->count.store(~std::uint64_t{0});  // a garbled count reads at most the ring
  EXPECT_LE(rec->last(1000).size(), FlightRecorder::kEntries);
}

TEST(FlightRecorder, UnknownWriterAndSequenceAndTimeAreSaidSo) {
  FlightEntry e;
  e.op = static_cast<std::uint8_t>(PeerOp::kRecv);
  e.outcome = FlightOutcome::kCorrupt;
  e.size = 23;
  EXPECT_EQ(describe(e), "recv 23 B corrupt");
  e.writer = 0;
  e.seq = kUnknownSeq;
  EXPECT_EQ(describe(e), "recv w0#? 23 B corrupt");
  e.seq = 7;
  e.t_ns = 1'500'000'000;
  EXPECT_EQ(describe(e), "recv w0#7 23 B corrupt at 1.500 s");
}

TEST(FlightSnapshot, IsCopiedOnceTheWriterHasRecordedPastTheMessageAndOnlyOnce) {
  auto writer = std::make_unique<FlightRecorder>();
  for (std::uint64_t seq = 0; seq < 250; ++seq) writer->record(kSend, FlightOutcome::kOk, 0, 64, 1, seq, 0);
  auto snap = std::make_unique<FlightSnapshot>();
  snap->request(1, 250);  // the reader saw seq 250 before the writer recorded its send
  snap->request(1, 390);  // a later problem: the first request stays
  EXPECT_TRUE(snap->requested());
  snap->take_if_due(*writer, {});
  EXPECT_TRUE(snap->requested()) << "not yet: the writer has not recorded past seq 250";
  for (std::uint64_t seq = 250; seq < 300; ++seq) writer->record(kSend, FlightOutcome::kOk, 0, 64, 1, seq, 0);
  snap->take_if_due(*writer, {});
  EXPECT_FALSE(snap->requested());
  for (std::uint64_t seq = 300; seq < 400; ++seq) writer->record(kSend, FlightOutcome::kOk, 0, 64, 1, seq, 0);
  snap->take_if_due(*writer, {}, true);  // taken already: nothing changes
  const auto copied = snap->entries(sizes);
  ASSERT_EQ(copied.size(), FlightSnapshot::kEntries);
  EXPECT_EQ(copied.back().seq, 299U) << "what the writer had done then, not since";
  EXPECT_EQ(snap->around.load(), 250U);
  EXPECT_EQ(snap->writer.load(), 1U);
}

TEST(FlightSnapshot, AStalledWriterIsCopiedOnlyWhenTheReaderEnds) {
  auto writer = std::make_unique<FlightRecorder>();
  for (std::uint64_t seq = 0; seq < 10; ++seq) writer->record(kSend, FlightOutcome::kOk, 0, 64, 0, seq, 0);
  auto snap = std::make_unique<FlightSnapshot>();
  snap->request(0, 9);
  // However many messages the reader takes from others meanwhile: no copy before the writer's send.
  for (int i = 0; i < 10'000; ++i) snap->take_if_due(*writer, {});
  EXPECT_TRUE(snap->requested());
  snap->take_if_due(*writer, {}, true);  // the reader ends
  EXPECT_FALSE(snap->requested());
  ASSERT_EQ(snap->entries(sizes).size(), 10U);
  EXPECT_EQ(snap->entries(sizes).back().seq, 9U);
}

// A writer records only what cannot be derived; its cursor and runs imply the rest.
TEST(ImpliedSends, ReturnedSendsAndTheOneUnderWayAreDecodedWithTheirSizes) {
  auto rec = std::make_unique<FlightRecorder>();
  rec->start_sends(2, 0, 0);
  rec->record(kSend, FlightOutcome::kOk, 0, sizes(2, 32), 2, 32, 777);     // a stamped send
  rec->record(kSend, FlightOutcome::kTimeout, 0, sizes(2, 35), 2, 35, 0);  // then retried
  const auto h = rec->last(8, {.next_seq = 40, .in_flight = 40}, sizes);
  ASSERT_EQ(h.size(), 8U);
  EXPECT_EQ(h.front().seq, 34U) << "the last 8, oldest first";
  EXPECT_EQ(describe(h[1]), "send w2#35 " + std::to_string(sizes(2, 35)) + " B timeout");
  EXPECT_EQ(describe(h[2]), "send w2#35 " + std::to_string(sizes(2, 35)) + " B ok") << "the retry returned";
  EXPECT_EQ(describe(h.back()), "send w2#40 " + std::to_string(sizes(2, 40)) + " B in-progress");
  const auto wide = rec->last(16, {.next_seq = 40, .in_flight = kUnknownSeq}, sizes);
  ASSERT_EQ(wide.size(), 16U);
  EXPECT_EQ(wide.back().seq, 39U) << "between sends nothing is under way";
  const auto stamped = std::find_if(wide.begin(), wide.end(), [](const FlightEntry& e) { return e.seq == 32; });
  ASSERT_NE(stamped, wide.end());
  EXPECT_EQ(stamped->t_ns, 777U) << "a recorded send is not doubled by an implied one";
  EXPECT_EQ(std::count_if(wide.begin(), wide.end(), [](const FlightEntry& e) { return e.seq == 32; }), 1);
}

TEST(ImpliedSends, ARestartKeepsTheRunBeforeItAndTheSendItDiedIn) {
  auto rec = std::make_unique<FlightRecorder>();
  rec->start_sends(0, 0, 0);
  // Killed inside the send of 20: the runner records it in progress and resumes the writer at 21.
  rec->record(kSend, FlightOutcome::kPending, 0, sizes(0, 20), 0, 20, 0);
  rec->start_sends(0, 1, 21);
  const auto h = rec->last(6, {.next_seq = 24, .in_flight = 24}, sizes);
  ASSERT_EQ(h.size(), 6U);
  EXPECT_EQ(describe(h[0]), "send w0#19 " + std::to_string(sizes(0, 19)) + " B ok");
  EXPECT_EQ(h[0].incarnation, 0U);
  EXPECT_EQ(describe(h[1]), "send w0#20 " + std::to_string(sizes(0, 20)) + " B in-progress");
  EXPECT_EQ(h[2].seq, 21U);
  EXPECT_EQ(h[2].incarnation, 1U);
  EXPECT_EQ(h[5].seq, 24U);
  EXPECT_EQ(h[5].outcome, FlightOutcome::kPending);
}

TEST(ImpliedSends, GarbledRunsAndCursorsCostAtMostTheRequestedEntries) {
  auto rec = std::make_unique<FlightRecorder>();
  rec->start_sends(0, 0, 5);
  EXPECT_LE(rec->last(16, {.next_seq = ~std::uint64_t{0} - 1, .in_flight = ~std::uint64_t{0}}, sizes).size(), 16U);
  EXPECT_TRUE(rec->last(16, {.next_seq = 2, .in_flight = kUnknownSeq}, sizes).empty()) << "next below first";
  rec->runs[0].writer.store(0xffffffffU);
  EXPECT_TRUE(rec->last(16, {.next_seq = 9, .in_flight = kUnknownSeq}, sizes).empty()) << "no such writer";
  rec->runs[1].first.store(3);
  rec->runs[1].end.store(~std::uint64_t{0});
  rec->runs[1].writer.store(1);
  EXPECT_LE(rec->last(16, {}, sizes).size(), 16U);
}

TEST(ImpliedSends, ASnapshotKeepsTheCursorItWasTakenWith) {
  auto writer = std::make_unique<FlightRecorder>();
  writer->start_sends(1, 0, 0);
  auto snap = std::make_unique<FlightSnapshot>();
  snap->request(1, 100);
  snap->take_if_due(*writer, {.next_seq = 103, .in_flight = 103});
  EXPECT_TRUE(snap->requested()) << "not yet: 100 + kPast not sent";
  snap->take_if_due(*writer, {.next_seq = 104, .in_flight = 104});
  ASSERT_FALSE(snap->requested());
  const auto copied = snap->entries(sizes);
  ASSERT_EQ(copied.size(), 105U) << "sends 0..103 returned, 104 under way";
  EXPECT_EQ(copied.back().seq, 104U);
  EXPECT_EQ(copied.back().outcome, FlightOutcome::kPending);
  EXPECT_TRUE(std::any_of(copied.begin(), copied.end(), [](const FlightEntry& e) {
    return e.seq == 100 && e.outcome == FlightOutcome::kOk;
  })) << "the copy holds the send the problem is about";
}

}  // namespace
}  // namespace shmh::stress
