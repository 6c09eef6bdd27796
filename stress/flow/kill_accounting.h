// What a SIGKILL of a message-flow peer left in flight, read from the victim's cursor after it
// was reaped (its record is then stable): a writer killed inside send (op kSend, op_arg at or past
// next_seq) leaves that one sequence "in doubt" (either outcome is allowed), recorded in its flight
// recorder as in progress, and resumes after it; a reader killed inside recv may
// have taken one message with it (an allowance on its lane); a reader killed with an intact,
// identified message not yet recorded has it recorded by the runner.
#pragma once

#include "stress/flow/flow.h"
#include "stress/peer_group.h"

namespace shmh::stress {

// Precondition: `id` was killed (or died on its own: the phase driver accounts a crashed peer the
// same way) and reaped, and has not restarted yet.
void account_flow_kill(Flow& flow, PeerId id);

}  // namespace shmh::stress
