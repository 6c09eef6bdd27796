// The `ring` channel (core/channel/ring) behind the plugin ABI, on any backend.
#pragma once

#include "core/channel/shmh_channel.h"

namespace shmh {

// The vtable of the built-in `ring` channel: FIFO per writer, many writers and readers, shared
// memory. Addresses are "ring@<region address>" (core/segment/shared_region.h).
const shmh_channel_vtable* ring_channel();

}  // namespace shmh
