// What a regions reader checks on a record it accepted: the check must catch every kind of torn
// record, or the regions workload could never fail.
#include <gtest/gtest.h>

#include <vector>

#include "stress/workloads/regions.h"

namespace shmh::stress {
namespace {

std::vector<std::uint64_t> record(std::uint64_t seed, std::uint32_t writer, std::uint64_t version, std::size_t n) {
  std::vector<std::uint64_t> words(n);
  for (std::size_t i = 0; i < n; ++i) words[i] = region_word(seed, writer, version, i);
  return words;
}

TEST(RegionsCheck, AWholeRecordPasses) {
  EXPECT_EQ(region_record_problem(7, 2, 10, 5, 2, record(7, 2, 5, 32)), std::nullopt);
}

TEST(RegionsCheck, OneWordOfTheNextVersionIsTorn) {
  auto words = record(7, 2, 5, 32);
  words[17] = region_word(7, 2, 6, 17);
  EXPECT_EQ(region_record_problem(7, 2, 10, 5, 2, words), "word 17 is from another version");
}

TEST(RegionsCheck, AHeaderThatDisagreesWithTheSeqlockIsTorn) {
  EXPECT_NE(region_record_problem(7, 2, 12, 5, 2, record(7, 2, 5, 8)), std::nullopt) << "version 5 under seqlock 12";
  EXPECT_NE(region_record_problem(7, 2, 10, 5, 3, record(7, 2, 5, 8)), std::nullopt) << "another writer's header";
  EXPECT_NE(region_record_problem(7, 2, 10, 5, 2, record(7, 3, 5, 8)), std::nullopt) << "another writer's words";
  EXPECT_NE(region_record_problem(8, 2, 10, 5, 2, record(7, 2, 5, 8)), std::nullopt) << "another run's words";
}

TEST(RegionsCheck, WordsDifferByVersionWriterAndIndex) {
  EXPECT_NE(region_word(1, 0, 1, 0), region_word(1, 0, 2, 0));
  EXPECT_NE(region_word(1, 0, 1, 0), region_word(1, 1, 1, 0));
  EXPECT_NE(region_word(1, 0, 1, 0), region_word(1, 0, 1, 1));
}

}  // namespace
}  // namespace shmh::stress
