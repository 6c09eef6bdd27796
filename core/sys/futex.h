// Futex wait/wake on a 32-bit word that may live in shared memory — the blocking primitive of the
// ring. The shared (not FUTEX_PRIVATE_FLAG) variants are used because the word is shared between
// processes: a private futex keys on the address space and would never wake another process.
//
//   std::uint32_t seen = word.load();
//   if (nothing_to_do()) shmh::sys::futex_wait(word, seen, std::chrono::milliseconds(5));
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace shmh::sys {

// Sleeps while `word` == expected, at most `timeout`; returns early on a wake, a signal or a
// changed value. Spurious returns are allowed: callers re-check their condition.
void futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                std::chrono::nanoseconds timeout) noexcept;
// Wakes up to `count` waiters on `word` in any process.
void futex_wake(const std::atomic<std::uint32_t>& word, int count) noexcept;

}  // namespace shmh::sys
