// What a libFuzzer run printed, read back: executions, exec/s, coverage and features from its last
// status line (and every status line as a time series, for the HTML report) (plain "#N pulse cov: ..." or -fork's "#N:
// cov: ... exec/s N ..."), and the first line that names a finding (a sanitizer SUMMARY, a target's own "disagree"
// trap, a timeout or a deadly signal) for triage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shmh::fuzz {

// One status line: where the campaign was then.
struct FuzzSample {
  double t_s = 0;  // since the start: -fork's "time: Ns", else executions ÷ exec/s
  std::uint64_t execs = 0;
  std::uint64_t coverage = 0;
  std::uint64_t features = 0;
  std::uint64_t corpus = 0;   // inputs ("corp: N")
  std::uint64_t crashes = 0;  // -fork's "oom/timeout/crash: a/b/c" summed; 0 otherwise
};

struct FuzzStats {
  std::uint64_t execs = 0;
  std::uint64_t exec_per_s = 0;
  std::uint64_t coverage = 0;      // edges ("cov:")
  std::uint64_t features = 0;      // "ft:"
  bool found_status = false;       // false: the log has no status line (the fuzzer did not start)
  std::vector<FuzzSample> series;  // every status line, in order (at most kMaxSamples: thinned evenly)
  static constexpr std::size_t kMaxSamples = 1000;
};

FuzzStats parse_libfuzzer_log(const std::string& log);

// A one-line signature of the finding in a single-input run's output, with numbers, addresses and
// quoted strings normalised so the same bug from different inputs gives the same signature.
// "" when the output shows no finding.
std::string crash_signature(const std::string& log);

}  // namespace shmh::fuzz
