// `hostile`: writers and readers on one channel while a scribbler process (stress/scribbler.h)
// rewrites the channel's shared bytes — a peer that is buggy or compromised. Every call must still
// answer within its timeout (a call stuck for the watchdog's time is a stall, even while others
// move), no peer may crash, and every answer must be one the ABI documents: a length within the
// caller's buffer (which ends at a PROT_NONE page) and within max_message, or a status. Losses,
// duplicates and reorders are what a hostile peer may cause and are not findings; a message that
// fails its frame check is counted as damaged, never as received intact. Needs a channel that
// exposes its shared memory (ABI 2 shared_bytes) and peers as processes.
#pragma once

#include "stress/workload.h"

namespace shmh::stress {

const WorkloadDescriptor& hostile_workload();

}  // namespace shmh::stress
