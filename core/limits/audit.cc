#include "core/limits/audit.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "core/cleanup/sysvipc_table.h"
#include "core/sys/sys.h"
#include "core/units.h"

namespace shmh {
namespace {

constexpr unsigned kShmDest = 01000;  // SHM_DEST as /proc/sysvipc/shm prints it in perms

std::string sysv_name(const SysvTableRow& r) {
  char buf[64];
  (void)std::snprintf(buf, sizeof buf, "sysv id %d key 0x%08x", r.shmid, static_cast<unsigned>(r.key));
  return buf;
}

std::string octal(unsigned mode) { return format_mode(mode & 0777U); }

}  // namespace

Result<std::vector<AuditFinding>> run_audit(const AuditSources& sources) {
  std::vector<AuditFinding> out;
  auto rows = read_sysvipc_shm();
  if (!rows) return rows.error();
  for (const auto& r : *rows) {
    const std::string name = sysv_name(r);
    if ((r.perms & 0006) != 0) {
      out.push_back({"world-accessible", name,
                     "mode " + octal(r.perms) + ": any local user can " + ((r.perms & 0002) ? "write" : "read") +
                         " it; create it with 0600 (or 0660 and a group), or fix it with IPC_SET"});
    }
    if ((r.perms & kShmDest) != 0 && r.nattch > 0) {
      out.push_back({"removed-but-attached", name,
                     "IPC_RMID'd but still attached by " + std::to_string(r.nattch) + " process(es) (last pid " +
                         std::to_string(r.lpid) + "): its memory is freed only at the last detach"});
    } else if (r.nattch == 0 && !sys::process_alive(r.cpid)) {
      out.push_back({"orphan", name,
                     "no process attached and its creator pid " + std::to_string(r.cpid) +
                         " is gone: " + std::to_string(r.size) + " bytes nobody will free; remove with `ipcrm -m " +
                         std::to_string(r.shmid) + "` (or set kernel.shm_rmid_forced=1)"});
    }
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sources.dev_shm, ec)) {
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const unsigned mode = st.st_mode & 07777;
    if ((mode & 0006) != 0) {
      out.push_back({"world-accessible", "posix /" + entry.path().filename().string(),
                     "mode " + octal(mode) + ": any local user can " + ((mode & 0002) ? "write" : "read") +
                         " it; create it with 0600 (shm_open's mode, minus the umask) or chmod it"});
    }
  }
  if (ec) return sys_error(ec.value(), "read directory", sources.dev_shm);
  return out;
}

}  // namespace shmh
