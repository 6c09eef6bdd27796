// systemd-logind's RemoveIPC: when a user's last login session ends, logind removes every System V
// segment, semaphore and message queue and every POSIX shm object that user owns — a database or a
// service running as an ordinary user loses its shared memory the moment its operator logs out
// (PostgreSQL's documentation warns about it). It applies to users above SYS_UID_MAX only (root
// and system users are exempt), and systemd's built-in default is RemoveIPC=yes.
//
//   RemoveIpc r = read_remove_ipc("/", ::getuid());
//   if (r.applies()) ...   // this user's objects do not outlive its sessions
#pragma once

#include <cstdint>
#include <string>

namespace shmh {

struct RemoveIpc {
  bool logind = false;              // systemd-logind runs here (its /run/systemd/users exists)
  bool enabled = true;              // RemoveIPC= after logind.conf and its drop-ins (systemd's default: yes)
  std::string source;               // the file that set it last, or "systemd's default"
  std::uint32_t uid = 0;            // the user it was evaluated for
  std::uint32_t sys_uid_max = 999;  // SYS_UID_MAX from login.defs (999 when unset)

  [[nodiscard]] bool applies() const { return logind && enabled && uid > sys_uid_max; }
};

// Reads <root>etc/systemd/logind.conf and the drop-ins systemd reads after it
// ({/etc,/run,/usr/lib}/systemd/logind.conf.d/*.conf: by file name, /etc's copy of a name first),
// and <root>etc/login.defs; logind runs when <root>run/systemd/users exists. `root` ends with '/'.
// Unreadable or absent files count as unset.
RemoveIpc read_remove_ipc(const std::string& root, std::uint32_t uid);

}  // namespace shmh
