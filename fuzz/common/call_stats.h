// Calls per input of a sequence target. A sequence target's exec/s means little without it: with
// SHMH_FUZZ_CALL_STATS=1 the target prints, when the process exits, how many inputs it ran and
// how many calls they made ("sysv_api: 120000 inputs, 1500000 calls, 12.5 per input, 110000 with
// >= 8").
//
//   shmh::fuzzing::CallStats g_stats("sysv_api");   // a global: it prints from its destructor
//   g_stats.add(steps_made);                          // once per input
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace shmh::fuzzing {

class CallStats {
 public:
  explicit CallStats(const char* target) noexcept
      : target_(target), enabled_(std::getenv("SHMH_FUZZ_CALL_STATS") != nullptr) {}  // NOLINT(concurrency-mt-unsafe)
  CallStats(const CallStats&) = delete;
  CallStats& operator=(const CallStats&) = delete;
  ~CallStats() {
    if (!enabled_ || inputs_ == 0) return;
    std::fprintf(stderr, "%s: %llu inputs, %llu calls, %.1f per input, %llu with >= 8\n", target_,
                 static_cast<unsigned long long>(inputs_), static_cast<unsigned long long>(calls_),
                 static_cast<double>(calls_) / static_cast<double>(inputs_), static_cast<unsigned long long>(long_));
  }
  void add(int calls) {
    ++inputs_;
    calls_ += static_cast<std::uint64_t>(calls);
    long_ += calls >= 8 ? 1U : 0U;
  }

 private:
  const char* target_;
  bool enabled_;
  std::uint64_t inputs_ = 0;
  std::uint64_t calls_ = 0;
  std::uint64_t long_ = 0;
};

}  // namespace shmh::fuzzing
