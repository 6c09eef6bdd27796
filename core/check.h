// SHMH_CHECK: a broken invariant is a bug, not a Result. It prints where and why, then aborts, so
// fuzzers and sanitizers stop on it with a stack trace. Never used for input a user or a peer
// process controls — those are Results.
//
//   SHMH_CHECK(len <= capacity_, "slot length exceeds slot capacity");
#pragma once

namespace shmh::detail {
[[noreturn]] void check_failed(const char* expr, const char* why, const char* file, int line) noexcept;
}  // namespace shmh::detail

#define SHMH_CHECK(cond, why)                                                  \
  do {                                                                         \
    if (!(cond)) ::shmh::detail::check_failed(#cond, why, __FILE__, __LINE__); \
  } while (0)
