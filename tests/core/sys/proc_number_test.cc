// sys::parse_u64 / read_u64: a /proc or /sys number is used only when the whole text parses.
#include "core/sys/proc_number.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/test_support.h"

namespace shmh::sys {
namespace {

TEST(ProcNumber, ParsesDecimalWithTrailingNewlineOrSpaces) {
  EXPECT_EQ(parse_u64("4096\n"), 4096U);
  EXPECT_EQ(parse_u64("0"), 0U);
  EXPECT_EQ(parse_u64("18446744073709551615 \n"), UINT64_MAX);
}

TEST(ProcNumber, RefusesAnythingElse) {
  for (const char* bad : {"", "\n", "max\n", "-1", "+1", " 1", "1x", "0x10", "18446744073709551616", "1 2"}) {
    EXPECT_FALSE(parse_u64(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(ProcNumber, ReadsARealSysctlAndNamesTheFileWhenItIsNotANumber) {
  auto pid_max = read_u64("/proc/sys/kernel/pid_max");
  ASSERT_TRUE(test::Succeeds(pid_max));
  EXPECT_GT(*pid_max, 0U);
  auto not_a_number = read_u64("/proc/sys/kernel/osrelease");
  ASSERT_FALSE(not_a_number.ok());
  EXPECT_NE(not_a_number.error().message().find("/proc/sys/kernel/osrelease"), std::string::npos)
      << not_a_number.error().message();
  EXPECT_FALSE(read_u64("/nonexistent/number").ok());
}

}  // namespace
}  // namespace shmh::sys
