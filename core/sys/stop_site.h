// Where a stopped process was when it stopped: inside a system call (waiting in futex, nanosleep,
// sched_yield, read...) or running its own code (interrupted in user mode, or in a page fault). Read
// from /proc/<pid>/syscall, whose first field is the system call's number, or -1 when the task
// entered the kernel by an interrupt or exception (fs/proc/base.c proc_pid_syscall, lib/syscall.c).
// The kill perturbation uses it to land kills where a peer changes shared state, not
// where it sleeps.
//
//   ::kill(pid, SIGSTOP); waitid(P_PID, pid, &info, WSTOPPED);
//   if (shmh::sys::stop_site(pid) == shmh::sys::StopSite::kUserCode) ...  // frozen mid-computation
#pragma once

#include <sys/types.h>

#include <string_view>

namespace shmh::sys {

enum class StopSite {
  kUserCode,  // running its own instructions (or faulting on a page) when stopped
  kSyscall,   // inside a system call
  kUnknown,   // not readable: the file needs ptrace access (Yama ptrace_scope 2+), or /proc is absent
};

// The site of a process that is stopped (SIGSTOP, reported by waitid). For a running one the file
// says "running" and this returns kUnknown.
StopSite stop_site(pid_t pid);

// The same from the file's text ("202 0x... sp pc", "-1 sp pc", "running"); kUnknown for anything else.
StopSite parse_stop_site(std::string_view syscall_file);

}  // namespace shmh::sys
