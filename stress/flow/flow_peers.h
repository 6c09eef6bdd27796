// The bodies of the message flow's peers, run as forked processes or threads (peer_group.h).
//
// A writer opens every lane's channel, then sends framed messages (core/framing) of seeded sizes,
// every kStampEvery-th (64th) stamped with its send time, until the phase stops it or its quota is
// met; its SendCursor says, at any instant, which sequence is in flight (a kill's accounting). A
// restarted writer resumes at next_seq with a fresh random stream.
//
// A reader opens its lane, receives with the phase's timeout, checks each message
// (receive_check.h) and ends once the writers are done and its channel stayed empty for
// kDrainIdleNs. Its ReceiveCursor says whether a kill could have taken a message with it.
#pragma once

#include <cstdint>

#include "core/process/child_process.h"
#include "stress/flow/flow.h"

namespace shmh::stress {

ChildReport run_flow_writer(Flow& flow, std::uint32_t w);
ChildReport run_flow_reader(Flow& flow, std::uint32_t r);

}  // namespace shmh::stress
