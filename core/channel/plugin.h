// Plugin: a user's channel loaded from a shared library (`--channel path/to/libmine.so`). Checks
// everything before the harness calls into it: the library loads, exports shmh_channel_entry,
// returns a table of the ABI version this build speaks, with every required function present.
//
//   auto plugin = shmh::Plugin::load("./libmine.so");
//   if (!plugin) ... plugin.error().message() says which check failed ...
#pragma once

#include <string>

#include "core/channel/shmh_channel.h"
#include "core/result.h"

namespace shmh {

class Plugin {
 public:
  // dlopen(path, RTLD_NOW | RTLD_LOCAL) and validation. Errors (no errno; detail says what to do):
  // the library cannot be loaded (dlerror's text), the entry symbol is missing, the entry returns
  // NULL, the ABI version differs, a required function is NULL.
  static Result<Plugin> load(const std::string& path);

  Plugin() = default;
  Plugin(Plugin&& other) noexcept;
  Plugin& operator=(Plugin&& other) noexcept;
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;
  ~Plugin();  // dlclose: every Channel from this plugin must be gone first

  [[nodiscard]] const shmh_channel_vtable* vtable() const { return vtable_; }

 private:
  Plugin(void* library, const shmh_channel_vtable* vtable) : library_(library), vtable_(vtable) {}

  void* library_ = nullptr;
  const shmh_channel_vtable* vtable_ = nullptr;
};

// Checks a vtable as Plugin::load does (also used for built-ins in tests).
[[nodiscard]] Result<void> validate_vtable(const shmh_channel_vtable* vtable, const std::string& origin);

}  // namespace shmh
