// `churn`: the System V lifecycle storm — the stress-ng --shm-sysv workload, done right. Each
// worker (--writers N) repeats a segment lifecycle of --segment-size bytes on a tagged key and
// checks every result the kernel's rules predict: IPC_CREAT|IPC_EXCL twice (EEXIST), lookup by key,
// a size above the segment (EINVAL), IPC_STAT (size, mode, owner, creator, nattch 0), 1–3 attaches
// with and without SHM_RDONLY (nattch), SHM_RND onto a taken range (EINVAL), a fresh segment reads
// zero, a word per page written through one attachment reads back through the others, IPC_SET of
// the mode, SHM_LOCK/SHM_UNLOCK (as root), IPC_RMID while attached (SHM_DEST, key private, nattch
// kept, the key lookup ENOENT, attach by id still allowed), last detach destroys it (IPC_STAT
// EINVAL, a second shmdt EINVAL). Meanwhile all workers share one segment, each bumping its own
// counter in it and checking that no other's counter ever goes back. System V only (--backend is
// ignored). Counts: sent = lifecycles started, received = lifecycles that matched every
// prediction, corrupt = predictions that failed (finding "churn-mismatch").
#pragma once

#include "stress/workload.h"

namespace shmh::stress {

const WorkloadDescriptor& churn_workload();

}  // namespace shmh::stress
