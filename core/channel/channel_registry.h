// Which channel `--channel X` means: a built-in by name (ring, boost-mq, pipe) or a path to a
// plugin library (anything containing '/' or ending in ".so").
//
//   auto source = shmh::resolve_channel(options.channel);
//   if (!source) ... "unknown channel 'rnig' (built-ins: ring, boost-mq, pipe; or a path to a .so)"
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/channel/plugin.h"
#include "core/channel/shmh_channel.h"
#include "core/result.h"

namespace shmh {

struct BuiltinChannel {
  std::string_view name;
  const shmh_channel_vtable* (*entry)();
};

// The built-in channels, in the order --help lists them. Adding one is one line in the .cc.
std::span<const BuiltinChannel> builtin_channels();

struct ChannelSource {
  const shmh_channel_vtable* vtable = nullptr;
  std::shared_ptr<Plugin> plugin;  // keeps a plugin library loaded; null for built-ins
};

[[nodiscard]] Result<ChannelSource> resolve_channel(std::string_view spec);

}  // namespace shmh
