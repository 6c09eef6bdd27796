// Reading /proc/sysvipc/shm: the kernel's table of System V segments in the caller's IPC
// namespace, one line per segment, columns named by the header line (proc(5)).
//
//   auto rows = shmh::parse_sysvipc_shm(*shmh::sys::read_file("/proc/sysvipc/shm"));
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace shmh {

struct SysvTableRow {
  key_t key = 0;
  int shmid = -1;
  unsigned perms = 0;  // mode bits, including SHM_DEST (01000) and SHM_LOCKED (02000)
  std::uint64_t size = 0;
  pid_t cpid = 0;
  pid_t lpid = 0;
  std::uint64_t nattch = 0;
  uid_t uid = 0;
};

// Parses the table; columns are found by name, so added columns are harmless. Fails (without
// errno) on a missing required column or a malformed number, naming the line.
[[nodiscard]] Result<std::vector<SysvTableRow>> parse_sysvipc_shm(std::string_view text);

// Reads and parses /proc/sysvipc/shm.
[[nodiscard]] Result<std::vector<SysvTableRow>> read_sysvipc_shm();

}  // namespace shmh
