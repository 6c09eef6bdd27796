#include "core/channel/channel_registry.h"

#include <array>

#include "core/channel/adapters/boost_mq_channel.h"
#include "core/channel/adapters/pipe_channel.h"
#include "core/channel/adapters/ring_channel.h"

namespace shmh {
namespace {

constexpr std::array<BuiltinChannel, 3> kBuiltins = {{
    {"ring", ring_channel},
    {"boost-mq", boost_mq_channel},
    {"pipe", pipe_channel},
}};

}  // namespace

std::span<const BuiltinChannel> builtin_channels() { return kBuiltins; }

Result<ChannelSource> resolve_channel(std::string_view spec) {
  const bool is_path =
      spec.find('/') != std::string_view::npos || (spec.size() > 3 && spec.substr(spec.size() - 3) == ".so");
  if (is_path) {
    auto plugin = Plugin::load(std::string(spec));
    if (!plugin) return plugin.error();
    auto shared = std::make_shared<Plugin>(std::move(*plugin));
    return ChannelSource{shared->vtable(), shared};
  }
  for (const auto& b : kBuiltins) {
    if (b.name == spec) return ChannelSource{b.entry(), nullptr};
  }
  std::string names;
  for (const auto& b : kBuiltins) names += (names.empty() ? "" : ", ") + std::string(b.name);
  return logic_error(
      "channel", "unknown channel '" + std::string(spec) + "' (built-ins: " + names + "; or a path to a plugin .so)");
}

}  // namespace shmh
