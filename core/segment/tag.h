// Tags: how the objects shmharness creates outside a sandbox are recognised later, so that
// `shmharness clean` removes our leftovers after a crash and never touches anyone else's.
//
//   System V: the key's upper 16 bits are 0x5348 ("SH"); the lower 16 are random.
//   POSIX:    the name is "/shmh.<creator pid>.<16 hex digits>".
//
// Inside a sandbox nothing needs a tag: the kernel destroys the objects with the namespace.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace shmh {

inline constexpr unsigned kSysvTagMask = 0xffff0000U;
inline constexpr unsigned kSysvTagValue = 0x53480000U;
inline constexpr std::string_view kPosixTagPrefix = "shmh.";

// Whether a System V key lies in the harness's tagged range.
bool is_tagged_key(key_t key) noexcept;
// A random key in the tagged range (getrandom; never IPC_PRIVATE).
key_t random_tagged_key() noexcept;
// A fresh tagged POSIX name for this process: "/shmh.<pid>.<random hex>".
std::string tagged_posix_name();
// The creator pid of a tagged POSIX object name (with or without the leading '/'); nullopt when
// the name is not ours.
std::optional<pid_t> tagged_name_creator(std::string_view name);

}  // namespace shmh
