#include "core/channel/channel_error.h"

#include <cstdio>
#include <cstring>

namespace shmh {

int channel_fail(shmh_error* err, int code, int sys_errno, const char* format, ...) noexcept {
  if (err != nullptr) {
    err->code = code;
    err->sys_errno = sys_errno;
    va_list args;
    va_start(args, format);
    (void)std::vsnprintf(err->message, sizeof err->message, format, args);
    va_end(args);
  }
  return code;
}

const char* errno_label(int err) noexcept {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : "errno ?";
}

const char* channel_status_name(long long status) noexcept {
  switch (status) {
    case SHMH_OK:
      return "SHMH_OK";
    case SHMH_ETIMEOUT:
      return "SHMH_ETIMEOUT";
    case SHMH_ETOOBIG:
      return "SHMH_ETOOBIG";
    case SHMH_ECORRUPT:
      return "SHMH_ECORRUPT";
    case SHMH_ECLOSED:
      return "SHMH_ECLOSED";
    case SHMH_ESYSTEM:
      return "SHMH_ESYSTEM";
    case SHMH_EINVAL:
      return "SHMH_EINVAL";
    default:
      return status > 0 ? "length" : "unknown status";
  }
}

}  // namespace shmh
