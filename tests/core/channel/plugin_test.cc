#include "core/channel/plugin.h"

#include <gtest/gtest.h>

#include <string>

#include "core/channel/channel.h"
#include "core/channel/channel_registry.h"
#include "tests/support/test_support.h"

namespace shmh {
namespace {

std::string bad(int kind) {
  return std::string(SHMH_BAD_PLUGIN_DIR) + "/libshmh_bad_plugin_" + std::to_string(kind) + ".so";
}

void expect_error(const std::string& path, const std::string& words) {
  auto p = Plugin::load(path);
  ASSERT_FALSE(p.ok()) << path << " loaded";
  EXPECT_EQ(p.error().err, 0);
  EXPECT_NE(p.error().message().find(words), std::string::npos) << p.error().message();
}

TEST(Plugin, TheExampleLoadsAndValidates) {
  auto p = Plugin::load(SHMH_EXAMPLE_PLUGIN);
  ASSERT_TRUE(test::Succeeds(p));
  EXPECT_STREQ(p->vtable()->name, "locked-queue");
  EXPECT_TRUE(test::Succeeds(validate_vtable(p->vtable(), "example")));
}

TEST(Plugin, BadPluginsAreRefusedWithTheReason) {
  expect_error("/no/such/libchannel.so", "cannot load");
  expect_error(bad(1), "ABI version 3, this shmharness speaks 1 to 2");
  expect_error(bad(2), "returned NULL");
  expect_error(bad(3), "required function 'create' is NULL");
  expect_error(bad(4), "no symbol shmh_channel_entry");
  expect_error("/etc/passwd", "cannot load");
}

// A plugin built against ABI 1 (its table ends before shared_bytes) still loads, and nothing reads
// past its table (under ASan that read would be a global-buffer-overflow).
TEST(Plugin, AnAbi1PluginLoadsAndExposesNoSharedBytes) {
  auto p = Plugin::load(bad(5));
  ASSERT_TRUE(test::Succeeds(p));
  EXPECT_EQ(p->vtable()->abi_version, 1U);
  EXPECT_FALSE(exposes_shared_bytes(*p->vtable()));
}

TEST(ChannelRegistry, ResolvesBuiltinsPathsAndNonsense) {
  for (const auto& b : builtin_channels()) {
    auto s = resolve_channel(b.name);
    ASSERT_TRUE(test::Succeeds(s)) << b.name;
    EXPECT_EQ(std::string(s->vtable->name), std::string(b.name));
    EXPECT_TRUE(test::Succeeds(validate_vtable(s->vtable, std::string(b.name))));
    EXPECT_EQ(s->plugin, nullptr);
  }
  auto plugin = resolve_channel(SHMH_EXAMPLE_PLUGIN);
  ASSERT_TRUE(test::Succeeds(plugin));
  EXPECT_NE(plugin->plugin, nullptr) << "keeps the library loaded";
  auto unknown = resolve_channel("rnig");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("built-ins: ring, boost-mq, pipe"), std::string::npos);
  EXPECT_FALSE(resolve_channel("./missing.so").ok());
}

}  // namespace
}  // namespace shmh
