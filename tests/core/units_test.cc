#include "core/units.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace shmh {
namespace {

struct SizeCase {
  const char* text;
  std::uint64_t bytes;
};

class ParseSizeValid : public ::testing::TestWithParam<SizeCase> {};

TEST_P(ParseSizeValid, Parses) {
  auto r = parse_size(GetParam().text);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, GetParam().bytes);
}

INSTANTIATE_TEST_SUITE_P(Table, ParseSizeValid,
                         ::testing::Values(SizeCase{"0", 0}, SizeCase{"4096", 4096}, SizeCase{"17B", 17},
                                           SizeCase{"4k", 4096}, SizeCase{"4K", 4096}, SizeCase{"4KiB", 4096},
                                           SizeCase{"1M", 1U << 20}, SizeCase{"64MiB", 64U << 20},
                                           SizeCase{"64mb", 64U << 20}, SizeCase{"2G", 2ULL << 30},
                                           SizeCase{"1T", 1ULL << 40}, SizeCase{"18446744073709551615", UINT64_MAX}));

class ParseSizeInvalid : public ::testing::TestWithParam<const char*> {};

TEST_P(ParseSizeInvalid, FailsNamingTheText) {
  auto r = parse_size(GetParam());
  ASSERT_FALSE(r) << GetParam() << " parsed as " << *r;
  EXPECT_EQ(r.error().err, 0);
  EXPECT_NE(r.error().detail.find(std::string("'") + GetParam() + "'"), std::string::npos) << r.error().message();
}

INSTANTIATE_TEST_SUITE_P(Table, ParseSizeInvalid,
                         ::testing::Values("", "abc", "-1", "1.5M", "12Q", "4 k", "M", "16777216T",
                                           "18446744073709551616", "1kk"));

TEST(ParseDurationMs, AcceptsMillisecondsAndEveryLargerUnit) {
  EXPECT_EQ(*parse_duration_ms("500ms"), 500U);
  EXPECT_EQ(*parse_duration_ms("2"), 2000U);
  EXPECT_EQ(*parse_duration_ms("3s"), 3000U);
  EXPECT_EQ(*parse_duration_ms("1m"), 60'000U);
  for (const char* bad : {"", "0ms", "ms", "1.5s", "5 s", "10us"}) EXPECT_FALSE(parse_duration_ms(bad)) << bad;
  EXPECT_FALSE(parse_duration("1500ms")) << "whole seconds where only seconds make sense";
}

TEST(FormatBytes, PicksTheUnit) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(64ULL << 20), "64.0 MiB");
  EXPECT_EQ(format_bytes(3ULL << 30), "3.0 GiB");
}

TEST(FormatMode, OctalAsChmodWritesIt) {
  EXPECT_EQ(format_mode(0600), "0600");
  EXPECT_EQ(format_mode(0), "0000");
  EXPECT_EQ(format_mode(01777), "01777");
}

}  // namespace
}  // namespace shmh
