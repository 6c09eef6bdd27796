// Reading libFuzzer's output back: status lines of plain and -fork runs, and crash signatures that
// group the same bug from different inputs and tell different bugs apart.
#include "fuzz/campaign/libfuzzer_log.h"

#include <gtest/gtest.h>

#include "core/units.h"
#include "fuzz/campaign/catalog.h"

namespace shmh::fuzz {
namespace {

TEST(LibFuzzerLog, PlainStatusLines) {
  const FuzzStats s = parse_libfuzzer_log(
      "INFO: Seed: 1\n#2\tINITED cov: 10 ft: 11 corp: 3/30b exec/s: 0 rss: 30Mb\n"
      "#32768\tpulse  cov: 1186 ft: 3952 corp: 448/7521b lim: 33 exec/s: 2520 rss: 371Mb\n");
  EXPECT_TRUE(s.found_status);
  EXPECT_EQ(s.execs, 32768U);
  EXPECT_EQ(s.coverage, 1186U);
  EXPECT_EQ(s.features, 3952U);
  EXPECT_EQ(s.exec_per_s, 2520U);
}

TEST(LibFuzzerLog, ForkStatusLines) {
  const FuzzStats s = parse_libfuzzer_log(
      "#1625448: cov: 324 ft: 330 corp: 46 exec/s 120204 oom/timeout/crash: 0/0/0 time: 14s job: 4 dft_time: 0\n"
      "INFO: exiting: 0 time: 20s\n");
  EXPECT_EQ(s.execs, 1625448U);
  EXPECT_EQ(s.features, 330U);
  EXPECT_EQ(s.exec_per_s, 120204U);
}

TEST(LibFuzzerLog, NoStatusLineMeansTheFuzzerDidNotRun) {
  EXPECT_FALSE(parse_libfuzzer_log("sysv_api: cannot enter a sandbox\n").found_status);
}

TEST(LibFuzzerLog, SignaturesGroupTheSameBug) {
  const std::string a = crash_signature(
      "posix_api: kernel and model disagree at step 3: shm_open as self name=\"/a\" flags=0102: kernel ok, model "
      "EACCES\n==1== ERROR: libFuzzer: deadly signal\nSUMMARY: libFuzzer: deadly signal\n");
  const std::string b = crash_signature(
      "posix_api: kernel and model disagree at step 17: shm_open as self name=\"/zz\" flags=0102: kernel ok, model "
      "EACCES\n");
  const std::string c = crash_signature(
      "posix_api: kernel and model disagree at step 3: shm_unlink as self name=\"/a\" flags=0: kernel ok, model "
      "ENOENT\n");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_FALSE(a.empty());
}

TEST(LibFuzzerLog, SanitizerSummaryAndDeadlySignal) {
  EXPECT_EQ(crash_signature("==7==ERROR: AddressSanitizer: SEGV\nSUMMARY: AddressSanitizer: SEGV "
                            "/src/core/channel/ring/ring.cc:341:9 in shmh::ring::Ring::recv\n"),
            crash_signature("SUMMARY: AddressSanitizer: SEGV /src/core/channel/ring/ring.cc:341:12 in "
                            "shmh::ring::Ring::recv\n"));
  EXPECT_EQ(crash_signature("==1== ERROR: libFuzzer: deadly signal\n    #3 0x55 in shmh::ring::Ring::send(void "
                            "const*) /src/ring.cc:10\n"),
            "deadly signal in shmh::ring::Ring::send");
  EXPECT_EQ(crash_signature("ALARM: working on the last Unit for 11 seconds\n"), "timeout");
  EXPECT_EQ(crash_signature("INFO: Running with entropic power schedule\nDone 10 runs in 0 second(s)\n"), "");
}

TEST(LibFuzzerLog, DurationsAndOptions) {
  EXPECT_EQ(*parse_duration("90"), 90U);
  EXPECT_EQ(*parse_duration("30s"), 30U);
  EXPECT_EQ(*parse_duration("10m"), 600U);
  EXPECT_EQ(*parse_duration("2h"), 7200U);
  for (const char* bad : {"", "0", "m", "10x", "-5", "9999999999h", "1.5m"}) EXPECT_FALSE(parse_duration(bad)) << bad;
  const auto opts = read_options(std::string(SHMH_SOURCE_DIR) + "/fuzz/sysv_api/sysv_api.options");
  EXPECT_EQ(opts.at("max_len"), "512");
  EXPECT_EQ(opts.at("dict"), "sysv_api.dict");
}

}  // namespace
}  // namespace shmh::fuzz
