// What a libFuzzer run printed, read back: executions, exec/s, coverage and features from its last
// status line (plain "#N pulse cov: ..." or -fork's "#N: cov: ... exec/s N ..."), and the first line
// that names a finding (a sanitizer SUMMARY, a target's own "disagree" trap, a timeout or a deadly
// signal) for triage.
#pragma once

#include <cstdint>
#include <string>

namespace shmh::fuzz {

struct FuzzStats {
  std::uint64_t execs = 0;
  std::uint64_t exec_per_s = 0;
  std::uint64_t coverage = 0;  // edges ("cov:")
  std::uint64_t features = 0;  // "ft:"
  bool found_status = false;   // false: the log has no status line (the fuzzer did not start)
};

FuzzStats parse_libfuzzer_log(const std::string& log);

// A one-line signature of the finding in a single-input run's output, with numbers, addresses and
// quoted strings normalised so the same bug from different inputs gives the same signature.
// "" when the output shows no finding.
std::string crash_signature(const std::string& log);

}  // namespace shmh::fuzz
