// The `pipe` channel: a FIFO in packet mode (O_DIRECT, pipe(7)), so each message is one atomic
// write and one read. Not shared memory: it is the harness's control — a run that reports
// corruption on a pipe means the harness itself is broken. Messages up to PIPE_BUF - 4 bytes.
#pragma once

#include "core/channel/shmh_channel.h"

namespace shmh {

// Addresses are "pipe@<max message>@<path of the FIFO>" (a tagged name in /dev/shm).
const shmh_channel_vtable* pipe_channel();

}  // namespace shmh
