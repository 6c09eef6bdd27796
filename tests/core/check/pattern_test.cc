#include "core/check/pattern.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

namespace shmh {
namespace {

TEST(Pattern, FilledBytesVerify) {
  for (std::size_t size : {1U, 7U, 8U, 9U, 4096U, 4099U}) {
    std::vector<std::byte> buf(size);
    fill_pattern(buf, 42);
    EXPECT_EQ(find_pattern_mismatch(buf, 42), std::nullopt) << size;
  }
}

TEST(Pattern, EverySingleByteChangeIsFound) {
  std::vector<std::byte> buf(37);
  fill_pattern(buf, 7);
  for (std::size_t i = 0; i < buf.size(); ++i) {
    buf[i] ^= std::byte{0x01};
    EXPECT_EQ(find_pattern_mismatch(buf, 7), i);
    buf[i] ^= std::byte{0x01};
  }
}

TEST(Pattern, OtherSeedOrShiftDoesNotVerify) {
  std::vector<std::byte> buf(8192);
  fill_pattern(buf, 1);
  EXPECT_NE(find_pattern_mismatch(buf, 2), std::nullopt);
  // The second page alone, read as if it were the first: a shifted mapping must not pass.
  EXPECT_NE(find_pattern_mismatch(std::span<const std::byte>(buf).subspan(4096), 1), std::nullopt);
  std::vector<std::byte> zeros(64);
  EXPECT_EQ(find_pattern_mismatch(zeros, 1), 0U);
}

}  // namespace
}  // namespace shmh
