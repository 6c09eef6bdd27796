// Leftovers: tagged objects (core/segment/tag.h) that a crashed or killed shmharness run left
// behind outside a sandbox, found in /proc/sysvipc/shm and /dev/shm. Untagged objects are never
// listed, so `shmharness clean` cannot touch anyone else's memory.
//
//   auto found = shmh::find_leftovers();
//   for (const auto& l : *found) if (!l.in_use) (void)shmh::remove_leftover(l);
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace shmh {

enum class LeftoverKind { kSysv, kPosix };

struct Leftover {
  LeftoverKind kind = LeftoverKind::kSysv;
  std::string name;  // "key 0x5348ab12 id 7" or "/shmh.1234.0123456789abcdef"
  key_t key = 0;     // System V only
  int shmid = -1;    // System V only
  std::uint64_t bytes = 0;
  pid_t creator = 0;           // cpid (System V) or the pid in the name (POSIX)
  std::uint64_t attached = 0;  // nattch (System V); 0 for POSIX
  // Still in use: its creator is alive or a process is attached. `clean` keeps these; `reason`
  // says why.
  bool in_use = false;
  std::string reason;
};

struct LeftoverSources {
  std::string dev_shm = "/dev/shm";
  bool sysv = true;  // read /proc/sysvipc/shm of the caller's IPC namespace
};

// Lists tagged objects in the caller's namespaces. Errors: reading /proc/sysvipc/shm or /dev/shm.
[[nodiscard]] Result<std::vector<Leftover>> find_leftovers(const LeftoverSources& sources = {});

// Removes one leftover: IPC_RMID after re-checking that the id still carries the tagged key (ids
// are reused), or unlink of the /dev/shm file. ENOENT/EINVAL when it is already gone.
[[nodiscard]] Result<void> remove_leftover(const Leftover& leftover, const LeftoverSources& sources = {});

}  // namespace shmh
