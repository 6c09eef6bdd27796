// Which kills a no-recovery finding names (stress/kill_culprits.h): counted in the watchdog's
// samples, so a kill in the very sample that last saw progress — aimed and reaped after the sample
// read the progress — is named however long that took; a kill that found the channel already stuck
// is not; before any progress the first kill is what nothing got past.
#include "stress/kill_culprits.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace shmh::stress {
namespace {

using Ticks = std::vector<std::uint64_t>;
using Indices = std::vector<std::size_t>;

TEST(KillCulprits, AKillInTheSampleThatLastSawProgressIsNamed) {
  EXPECT_EQ(culprit_kills(Ticks{40}, 40, true, 3), (Indices{0}));
}

TEST(KillCulprits, KillsWithinTheSlackAreNamedAndLaterOnesAreNot) {
  const Ticks kills{10, 40 + kCulpritSlackTicks, 40 + kCulpritSlackTicks + 1, 90};
  EXPECT_EQ(culprit_kills(kills, 40, true, 3), (Indices{1, 0}));
}

TEST(KillCulprits, TheLatestComeFirstAndNoMoreThanAsked) {
  const Ticks kills{3, 7, 12, 20, 25};
  EXPECT_EQ(culprit_kills(kills, 25, true, 3), (Indices{4, 3, 2}));
  EXPECT_EQ(culprit_kills(kills, 25, true, 1), (Indices{4}));
  EXPECT_TRUE(culprit_kills(kills, 25, true, 0).empty());
}

TEST(KillCulprits, KillsThatFoundTheChannelStuckAreNotNamed) {
  // Progress stopped at sample 5; the kills came long after: a stall, not a failed recovery.
  EXPECT_TRUE(culprit_kills(Ticks{30, 52, 77}, 5, true, 3).empty());
  EXPECT_TRUE(culprit_kills(Ticks{}, 5, true, 3).empty());
}

TEST(KillCulprits, WithNoProgressAtAllTheFirstKillIsWhatNothingGotPast) {
  // The CI run that failed before this rule: peers still starting under tsan, a writer killed
  // holding the channel's lock in sample 3, nothing moved in the phase, ten more kills after.
  const Ticks kills{3, 5, 6, 13, 28, 29, 36, 42, 54, 64, 72};
  EXPECT_EQ(culprit_kills(kills, 0, false, 3), (Indices{1, 0}));  // samples 3 and 5: 6 is past the slack
  EXPECT_EQ(culprit_kills(Ticks{40}, 0, false, 3), (Indices{0}));
  EXPECT_TRUE(culprit_kills(Ticks{}, 0, false, 3).empty());
  // Progress seen once (at sample 0's reading, the same number) is progress: the rule of the slack.
  EXPECT_TRUE(culprit_kills(Ticks{40}, 0, true, 3).empty());
}

TEST(KillCulprits, APauseThatResetTheWatchBeforeAnyProgressStillLetsTheFirstKillBeNamed) {
  // A pause counts as activity for the watchdog (last_progress_tick moves) but is no message.
  EXPECT_EQ(culprit_kills(Ticks{4, 30}, 20, false, 3), (Indices{0}));
  EXPECT_EQ(culprit_kills(Ticks{4, 21}, 20, false, 3), (Indices{1, 0}));
}

}  // namespace
}  // namespace shmh::stress
