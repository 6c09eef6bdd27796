// Audit: shared-memory objects on this machine that are a risk or a leak — world-readable or
// writable segments and POSIX objects (anyone local can read or corrupt them), orphaned segments
// (no attachment, creator gone: memory nobody will free), and segments marked for removal but
// still attached (their memory stays until the last detach).
//
//   for (const auto& f : *shmh::run_audit()) ... f.kind, f.object, f.detail ...
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace shmh {

struct AuditFinding {
  std::string kind;    // "world-accessible", "orphan", "removed-but-attached"
  std::string object;  // "sysv id 5 key 0x00001234" or "posix /name"
  std::string detail;  // why it matters and what to do
};

struct AuditSources {
  std::string dev_shm = "/dev/shm";
};

// Reads /proc/sysvipc/shm and /dev/shm of the caller's namespaces.
[[nodiscard]] Result<std::vector<AuditFinding>> run_audit(const AuditSources& sources = {});

}  // namespace shmh
