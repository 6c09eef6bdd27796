#include "core/channel/plugin.h"

#include <dlfcn.h>

#include <utility>

namespace shmh {

Result<void> validate_vtable(const shmh_channel_vtable* vt, const std::string& origin) {
  auto bad = [&](const std::string& why) -> Result<void> { return logic_error("channel plugin", origin + ": " + why); };
  if (vt == nullptr) return bad(std::string(SHMH_CHANNEL_ENTRY_SYMBOL) + "() returned NULL");
  if (vt->abi_version < SHMH_CHANNEL_ABI_OLDEST || vt->abi_version > SHMH_CHANNEL_ABI_VERSION) {
    return bad("ABI version " + std::to_string(vt->abi_version) + ", this shmharness speaks " +
               std::to_string(SHMH_CHANNEL_ABI_OLDEST) + " to " + std::to_string(SHMH_CHANNEL_ABI_VERSION) +
               ": rebuild the plugin against this shmh_channel.h");
  }
  if (vt->name == nullptr) return bad("the vtable has no name");
  const std::pair<const void*, const char*> required[] = {
      {reinterpret_cast<const void*>(vt->create), "create"}, {reinterpret_cast<const void*>(vt->open), "open"},
      {reinterpret_cast<const void*>(vt->send), "send"},     {reinterpret_cast<const void*>(vt->recv), "recv"},
      {reinterpret_cast<const void*>(vt->close), "close"},   {reinterpret_cast<const void*>(vt->destroy), "destroy"}};
  for (const auto& [fn, name] : required) {
    if (fn == nullptr) return bad(std::string("required function '") + name + "' is NULL");
  }
  return {};
}

Result<Plugin> Plugin::load(const std::string& path) {
  // RTLD_NOW: an unresolved symbol fails here, with a message, not later in the middle of a run.
  void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = ::dlerror();  // NOLINT(concurrency-mt-unsafe): glibc keeps dlerror state per thread
    return logic_error("channel plugin", std::string("cannot load ") + (why != nullptr ? why : path.c_str()));
  }
  ::dlerror();  // NOLINT(concurrency-mt-unsafe): clears this thread's dlerror state
  void* entry = ::dlsym(lib, SHMH_CHANNEL_ENTRY_SYMBOL);
  if (entry == nullptr) {
    ::dlclose(lib);
    return logic_error("channel plugin", path + ": no symbol " + SHMH_CHANNEL_ENTRY_SYMBOL +
                                             " (export `const shmh_channel_vtable* shmh_channel_entry(void)` "
                                             "with C linkage)");
  }
  const auto* vt = reinterpret_cast<shmh_channel_entry_fn>(entry)();
  if (auto ok = validate_vtable(vt, path); !ok) {
    ::dlclose(lib);
    return ok.error();
  }
  return Plugin(lib, vt);
}

Plugin::Plugin(Plugin&& other) noexcept
    : library_(std::exchange(other.library_, nullptr)), vtable_(std::exchange(other.vtable_, nullptr)) {}

Plugin& Plugin::operator=(Plugin&& other) noexcept {
  if (this != &other) {
    if (library_ != nullptr) ::dlclose(library_);
    library_ = std::exchange(other.library_, nullptr);
    vtable_ = std::exchange(other.vtable_, nullptr);
  }
  return *this;
}

Plugin::~Plugin() {
  if (library_ != nullptr) ::dlclose(library_);
}

}  // namespace shmh
