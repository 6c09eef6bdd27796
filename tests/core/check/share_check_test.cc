#include "core/check/share_check.h"

#include <gtest/gtest.h>

#include "core/cleanup/sysvipc_table.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

using test::Succeeds;

TEST(ShareCheck, EveryBackendPasses) {
  for (std::size_t size : {std::size_t{1}, std::size_t{4097}, std::size_t{1} << 20}) {
    auto r = run_share_check({.size = size, .seed = 99});
    ASSERT_TRUE(Succeeds(r));
    ASSERT_EQ(r->backends.size(), 3U);
    for (const auto& b : r->backends) {
      EXPECT_EQ(b.outcome, Outcome::kPass) << to_string(b.backend) << " size " << size << ": " << b.detail;
      EXPECT_EQ(b.bytes_checked, 2 * size);
    }
    EXPECT_EQ(r->outcome(), Outcome::kPass);
  }
  auto rows = read_sysvipc_shm();
  ASSERT_TRUE(Succeeds(rows));
  EXPECT_TRUE(rows->empty()) << "the check removed its segments";
}

TEST(ShareCheck, TaggedObjectsAreRemoved) {
  auto r = run_share_check({.backends = {Backend::kSysv, Backend::kPosix}, .size = 8192});
  ASSERT_TRUE(Succeeds(r));
  EXPECT_EQ(r->outcome(), Outcome::kPass);
  auto rows = read_sysvipc_shm();
  ASSERT_TRUE(Succeeds(rows));
  EXPECT_TRUE(rows->empty());
}

TEST(ShareCheck, FullDevShmIsAnErrorNotAFinding) {
  test::ScopedDevShmSize small(std::uint64_t{64} << 10);
  auto r = run_share_check({.backends = {Backend::kPosix, Backend::kSysv}, .size = 1 << 20});
  ASSERT_TRUE(Succeeds(r));
  EXPECT_EQ(r->backends[0].outcome, Outcome::kError);
  EXPECT_NE(r->backends[0].detail.find("ENOSPC"), std::string::npos) << r->backends[0].detail;
  EXPECT_NE(r->backends[0].detail.find("remount"), std::string::npos) << "says what to do";
  EXPECT_EQ(r->backends[1].outcome, Outcome::kPass) << "System V does not use /dev/shm";
  EXPECT_EQ(r->outcome(), Outcome::kError);
}

TEST(ShareCheck, BadOptionsAreRejected) {
  EXPECT_FALSE(run_share_check({.size = 0}));
  EXPECT_FALSE(run_share_check({.backends = {}, .size = 1}));
}

}  // namespace
}  // namespace shmh
