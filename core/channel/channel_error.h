// Filling a shmh_error (the plugin ABI's error record) without allocating or throwing.
//
//   return shmh::channel_fail(err, SHMH_ECORRUPT, 0, "slot %llu: length %u > max %llu", ...);
#pragma once

#include <cstdarg>

#include "core/channel/shmh_channel.h"

namespace shmh {

// Writes code, errno and a printf-formatted one-line message into `err` (if not null) and returns
// `code`, so a failing path is one line.
int channel_fail(shmh_error* err, int code, int sys_errno, const char* format, ...) noexcept
    __attribute__((format(printf, 4, 5)));

// "ENOENT", "EACCES", ... (strerrorname_np: thread-safe, unlike strerror), or "errno ?".
const char* errno_label(int err) noexcept;

// "SHMH_ETIMEOUT", "SHMH_ECORRUPT", ... ("SHMH_OK" for 0, "length" for positive values).
const char* channel_status_name(long long status) noexcept;

}  // namespace shmh
