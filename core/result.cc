#include "core/result.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace shmh {

std::string errno_name(int err) {
  // strerrorname_np (glibc >= 2.32) gives the symbolic name, which is what a user greps for and
  // what the man pages list; strerror's prose differs between libcs.
  if (const char* name = strerrorname_np(err)) return name;
  return "errno " + std::to_string(err);
}

std::string SysError::message() const {
  std::string out = call + ": ";
  if (err != 0) {
    out += errno_name(err);
    if (!detail.empty()) out += " (" + detail + ")";
  } else {
    out += detail;
  }
  return out;
}

SysError sys_error(int err, std::string call, std::string detail) {
  return SysError{err, std::move(call), std::move(detail)};
}

SysError logic_error(std::string call, std::string detail) { return SysError{0, std::move(call), std::move(detail)}; }

namespace detail {
void check_failed(const char* expr, const char* why, const char* file, int line) noexcept {
  // The one place the core writes to stderr: the process is about to abort on a bug.
  std::fprintf(stderr, "shmharness: internal check failed at %s:%d: %s (%s)\n", file, line, why, expr);
  std::abort();
}
}  // namespace detail

}  // namespace shmh
