// Self-test of limit enforcement: in private namespaces, set each limit low and check that the
// kernel answers with the documented errno exactly at the boundary — the last allowed request
// succeeds and the next one fails. Catches kernels, container runtimes and sandboxes (gVisor, WSL)
// that do not enforce what they report.
//
//   shmmax    1 MiB segment ok, 1 MiB + 1 byte → EINVAL        (shmget(2))
//   shmmni    4 segments ok, the 5th → ENOSPC                   (shmget(2))
//   shmall    16 pages ok, one page more → ENOSPC               (shmget(2))
//   dev-shm   1 MiB tmpfs: 1 MiB reserved ok, one page more → ENOSPC; touching past it → SIGBUS
//   memlock   without CAP_IPC_LOCK: RLIMIT_MEMLOCK 0 → EPERM; 4 pages < 16 → ENOMEM  (shmctl(2))
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace shmh {

struct SelftestLine {
  std::string limit;  // "shmmax", "shmmni", "shmall", "dev-shm", "memlock"
  bool pass = false;
  std::string expected;  // what the documentation says happens at the boundary
  std::string observed;  // what happened
};

// Runs every check, each in its own sandboxed child. Fails only when no sandbox can be made (the
// reason says why); a kernel that deviates is a line with pass = false.
[[nodiscard]] Result<std::vector<SelftestLine>> run_selftest();

}  // namespace shmh
