// The `boost-mq` channel: Boost.Interprocess message_queue (Debian's Boost 1.74), a real external
// shared-memory library driven through the same ABI as ours. Its object is a POSIX shared-memory
// object under a tagged name.
#pragma once

#include "core/channel/shmh_channel.h"

namespace shmh {

// Addresses are "boost-mq@<queue name>".
const shmh_channel_vtable* boost_mq_channel();

}  // namespace shmh
