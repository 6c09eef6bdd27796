// The flight recorder: a ring of each peer's last operations in shared memory, read back by the
// runner as untrusted bytes, and the snapshot a reader takes of a writer's ring at its first problem.
#include "stress/flight_recorder.h"

#include <gtest/gtest.h>

#include <memory>

#include "stress/peer_board.h"

namespace shmh::stress {
namespace {

constexpr auto kSend = static_cast<std::uint8_t>(PeerOp::kSend);

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
  snap->take_if_due(*writer);
  EXPECT_TRUE(snap->requested()) << "not yet: the writer has not recorded past seq 250";
  for (std::uint64_t seq = 250; seq < 300; ++seq) writer->record(kSend, FlightOutcome::kOk, 0, 64, 1, seq, 0);
  snap->take_if_due(*writer);
  EXPECT_FALSE(snap->requested());
  for (std::uint64_t seq = 300; seq < 400; ++seq) writer->record(kSend, FlightOutcome::kOk, 0, 64, 1, seq, 0);
  snap->take_if_due(*writer, true);  // taken already: nothing changes
  const auto copied = snap->entries();
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
  for (int i = 0; i < 10'000; ++i) snap->take_if_due(*writer);
  EXPECT_TRUE(snap->requested());
  snap->take_if_due(*writer, true);  // the reader ends
  EXPECT_FALSE(snap->requested());
  ASSERT_EQ(snap->entries().size(), 10U);
  EXPECT_EQ(snap->entries().back().seq, 9U);
}

}  // namespace
}  // namespace shmh::stress
