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

TEST(LibFuzzerLog, EveryStatusLineIsASample) {
  const FuzzStats s = parse_libfuzzer_log(
      "#2\tINITED cov: 10 ft: 11 corp: 3/30b exec/s: 0 rss: 30Mb\n"
      "#32768\tpulse  cov: 1186 ft: 3952 corp: 448/7521b lim: 33 exec/s: 2048 rss: 371Mb\n"
      "#1625448: cov: 1200 ft: 4000 corp: 460 exec/s 120204 oom/timeout/crash: 1/0/12 time: 14s job: 4 dft_time: 3\n");
  ASSERT_EQ(s.series.size(), 3U);
  EXPECT_EQ(s.series[0].t_s, 0.0);
  EXPECT_EQ(s.series[0].corpus, 3U);
  EXPECT_EQ(s.series[1].t_s, 16.0);  // no time on a plain line: executions ÷ exec/s
  EXPECT_EQ(s.series[1].coverage, 1186U);
  EXPECT_EQ(s.series[1].corpus, 448U);
  EXPECT_EQ(s.series[2].t_s, 14.0);  // -fork's own clock ("time: 14s", not "dft_time" nor "timeout")
  EXPECT_EQ(s.series[2].execs, 1625448U);
  EXPECT_EQ(s.series[2].crashes, 13U);
}

TEST(LibFuzzerLog, LongLogsAreThinnedToTheCapKeepingTheLast) {
  std::string log;
  for (int i = 1; i <= 5000; ++i) {
    log += "#" + std::to_string(i * 100) + ": cov: " + std::to_string(i) +
           " ft: 1 corp: 1 exec/s 1 time: " + std::to_string(i) + "s\n";
  }
  const FuzzStats s = parse_libfuzzer_log(log);
  ASSERT_EQ(s.series.size(), FuzzStats::kMaxSamples);
  EXPECT_EQ(s.series.front().coverage, 1U);
  EXPECT_EQ(s.series.back().coverage, 5000U);
  for (std::size_t i = 1; i < s.series.size(); ++i) EXPECT_GT(s.series[i].t_s, s.series[i - 1].t_s);
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
