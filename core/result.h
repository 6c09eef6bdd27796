// Result<T>: a value or a SysError — how every expected failure leaves the core.
//
//   Result<int> id = sys::shmget(key, size, IPC_CREAT | 0600);
//   if (!id) return id.error();            // "shmget: EINVAL (size 0 < SHMMIN)"
//   use(*id);
//
// The errno and the name of the failing call are kept exactly as the kernel gave them: the fuzz
// model compares them, so nothing here translates or swallows an error.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "core/check.h"

namespace shmh {

// The symbolic name of an errno value ("EINVAL"), or "errno N" for a value glibc does not name.
std::string errno_name(int err);

struct SysError {
  int err = 0;         // errno; 0 when the failure is not a system error (bad argument, bad data)
  std::string call;    // the failing call: "shmget", "mount", "parse /proc/sysvipc/shm"
  std::string detail;  // context a user needs to act on it; may be empty

  // "call: ENAME (detail)"; without errno "call: detail".
  [[nodiscard]] std::string message() const;
};

// An errno failure of `call`, with optional context.
SysError sys_error(int err, std::string call, std::string detail = {});
// A failure that has no errno (invalid argument to the library, corrupt data).
SysError logic_error(std::string call, std::string detail);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(SysError error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    SHMH_CHECK(ok(), "value() of a failed Result");
    return std::get<0>(v_);
  }
  const T& value() const& {
    SHMH_CHECK(ok(), "value() of a failed Result");
    return std::get<0>(v_);
  }
  // On an rvalue the value is moved out and returned by value, so `for (x : *make())` does not
  // iterate a dangling reference into the destroyed temporary.
  T value() && {
    SHMH_CHECK(ok(), "value() of a failed Result");
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const SysError& error() const {
    SHMH_CHECK(!ok(), "error() of a successful Result");
    return std::get<1>(v_);
  }

 private:
  std::variant<T, SysError> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(SysError error) : error_(std::move(error)), failed_(true) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const SysError& error() const {
    SHMH_CHECK(failed_, "error() of a successful Result");
    return error_;
  }

 private:
  SysError error_;
  bool failed_ = false;
};

}  // namespace shmh
