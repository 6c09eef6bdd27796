// Where a phase's active time ends (stress/peer_board.h writers_end_ns): at the latest end the
// writers stamped, and at the runner's own time as soon as one writer's stamp is missing or cannot
// be true — the board is shared memory a killed or broken peer may have left half-written.
#include "stress/peer_board.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace shmh::stress {
namespace {

constexpr std::uint64_t kStart = 1'000'000;
constexpr std::uint64_t kNow = 9'000'000;

PeerBoard board_of(std::uint32_t writers) {
  auto b = PeerBoard::create(writers, 1);
  EXPECT_TRUE(b.ok());
  return std::move(*b);
}

void ended(PeerRecord& rec, std::uint64_t at) {
  rec.ended_ns.store(at);
  rec.finished.store(1);
}

TEST(WritersEnd, TheLatestStampedEndOfAllWriters) {
  PeerBoard board = board_of(3);
  ended(board.writer(0), 4'000'000);
  ended(board.writer(1), 7'500'000);
  ended(board.writer(2), 2'000'000);
  EXPECT_EQ(writers_end_ns(board, kStart, kNow), 7'500'000U);
}

TEST(WritersEnd, AWriterThatDidNotEndOnItsOwnLeavesTheRunnersTime) {
  PeerBoard board = board_of(2);
  ended(board.writer(0), 4'000'000);
  board.writer(1).ended_ns.store(5'000'000);  // killed inside finish(): stamped, never finished
  EXPECT_EQ(writers_end_ns(board, kStart, kNow), kNow);
}

TEST(WritersEnd, AStampOutsideThePhaseIsNotBelieved) {
  PeerBoard board = board_of(2);
  ended(board.writer(0), 4'000'000);
  ended(board.writer(1), kNow + 1);
  EXPECT_EQ(writers_end_ns(board, kStart, kNow), kNow) << "an end after now";
  ended(board.writer(1), kStart - 1);
  EXPECT_EQ(writers_end_ns(board, kStart, kNow), kNow) << "an end before the start";
  ended(board.writer(1), kStart);
  EXPECT_EQ(writers_end_ns(board, kStart, kNow), 4'000'000U) << "the start itself is a possible end";
}

TEST(WritersEnd, FinishStampsTheEndBeforeItSaysFinished) {
  PeerBoard board = board_of(1);
  const std::uint64_t before = monotonic_ns();
  board.writer(0).finish();
  const std::uint64_t after = monotonic_ns();
  EXPECT_EQ(board.writer(0).finished.load(), 1U);
  EXPECT_GE(board.writer(0).ended_ns.load(), before);
  EXPECT_LE(board.writer(0).ended_ns.load(), after);
  EXPECT_EQ(writers_end_ns(board, before, after), board.writer(0).ended_ns.load());
}

}  // namespace
}  // namespace shmh::stress
