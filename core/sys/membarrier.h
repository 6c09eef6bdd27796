// membarrier(2) for an asymmetric Dekker between processes: the hot side orders its store and its
// later load with a compiler barrier only, and the rare side (a waiter about to sleep) pays for
// both with MEMBARRIER_CMD_GLOBAL_EXPEDITED, which runs a full memory barrier on every CPU that is
// running a thread of a process registered for it (a thread that is not running has been through a
// context switch, itself a full barrier). Every process on the hot side must register first.
//
//   if (shmh::sys::register_global_membarrier()) { ... hot side may skip its fence ... }
//   waiter: flag.store(1); if (!shmh::sys::global_membarrier()) { /* cannot sleep safely */ }
#pragma once

namespace shmh::sys {

// Registers this process for MEMBARRIER_CMD_GLOBAL_EXPEDITED (idempotent; kept for the process's
// life, reset by execve). False when the kernel (< 4.16), a seccomp filter or a sandboxing kernel
// does not offer it.
[[nodiscard]] bool register_global_membarrier() noexcept;
// A full memory barrier on every CPU running a registered process, and on the caller's. False when
// the call failed (then nothing was ordered).
[[nodiscard]] bool global_membarrier() noexcept;

}  // namespace shmh::sys
