#include "core/result.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

namespace shmh {
namespace {

TEST(ErrnoName, NamesKnownValues) {
  EXPECT_EQ(errno_name(EINVAL), "EINVAL");
  EXPECT_EQ(errno_name(ENOSPC), "ENOSPC");
  EXPECT_EQ(errno_name(EIDRM), "EIDRM");
}

TEST(ErrnoName, FallsBackToTheNumber) { EXPECT_EQ(errno_name(100000), "errno 100000"); }

TEST(SysError, MessageHasCallErrnoAndDetail) {
  EXPECT_EQ(sys_error(EINVAL, "shmget", "size 0 < SHMMIN").message(), "shmget: EINVAL (size 0 < SHMMIN)");
  EXPECT_EQ(sys_error(ENOENT, "shm_open").message(), "shm_open: ENOENT");
  EXPECT_EQ(logic_error("size", "'x' is not a size").message(), "size: 'x' is not a size");
}

TEST(Result, HoldsAValueOrAnError) {
  Result<int> ok = 7;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);
  Result<int> bad = sys_error(EACCES, "shmat");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().err, EACCES);
  EXPECT_EQ(bad.error().call, "shmat");
}

TEST(Result, VoidSpecialisation) {
  Result<void> ok;
  EXPECT_TRUE(ok.ok());
  Result<void> bad = sys_error(EPERM, "shmctl");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "shmctl: EPERM");
}

TEST(ResultDeathTest, ValueOfAFailureIsABug) {
  Result<int> bad = sys_error(EINVAL, "shmget");
  EXPECT_DEATH((void)bad.value(), "value\\(\\) of a failed Result");
}

}  // namespace
}  // namespace shmh
