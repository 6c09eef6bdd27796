// The pinned table: short sequences of System V and POSIX shared-memory calls whose last call has
// the answer Linux gives (a value or an errno), each naming where that answer is documented or
// decided (a man page, a kernel function, the LTP test it mirrors). `shmharness conform` runs it
// on a target machine; tests/core/conform runs it on this one, so every expected answer is
// verified against a real kernel in CI, and the models must predict every one.
//
//   for (const auto& c : shmh::conform::pinned_cases(page_size, 65534)) ...   // c.area, c.expected
//
// Every case runs in a fresh differential (core/model/*_differential.h) under the limits below,
// set in a sandbox: the setup steps must agree between kernel and model like any step, and the last
// one is compared with `expected` on both sides. Steps marked `other` are made by another user
// (`other_uid`: not root, and not in group 0).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/posix_differential.h"
#include "core/model/posix_model.h"
#include "core/model/sysv_differential.h"

namespace shmh::conform {

// The limits the cases assume: System V (shmmax 16 pages, shmall 32 pages, shmmni 6, the other
// user's RLIMIT_MEMLOCK 4 pages) and POSIX (a 16-page tmpfs on /dev/shm, umask 022).
model::Limits sysv_limits(std::uint64_t page_size);
model::PosixLimits posix_limits(std::uint64_t page_size);

struct PinnedCase {
  std::string area;                     // "sysv/shmget", "sysv/shmat", "sysv/shmctl", "sysv/info", "posix/names", ...
  std::string name;                     // what the case shows: "size above SHMMAX"
  std::string source;                   // "shmget(2) EINVAL; ipc/shm.c newseg"
  std::vector<model::SysvStep> sysv;    // a System V case: the last step is the call pinned
  std::vector<model::PosixStep> posix;  // a POSIX or memfd case (exactly one of the two is set)
  int expected = 0;                     // the last call's errno on Linux; 0 = success

  [[nodiscard]] bool is_sysv() const { return !sysv.empty(); }
  [[nodiscard]] bool needs_other() const;  // a step is made by another user (needs root)
};

// The table, for this page size and this other user.
std::vector<PinnedCase> pinned_cases(std::uint64_t page_size, uid_t other_uid);

}  // namespace shmh::conform
