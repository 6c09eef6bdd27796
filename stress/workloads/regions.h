// `regions`: no channel. One segment (any backend) holds one region per writer; each writer
// rewrites its region under a seqlock, readers read any region and must never accept a torn
// record (words from two versions) or a stale one (a version older than one they accepted before).
// In process mode every peer maps the segment itself: the kernel's coherence across mappings and
// processes is what is tested. Counts: sent = records written, received = records accepted,
// corrupt = torn records accepted, reordered = stale records accepted; --msg-size MAX is the
// record size.
#pragma once

#include "stress/workload.h"

namespace shmh::stress {

const WorkloadDescriptor& regions_workload();

}  // namespace shmh::stress
