// The channel a channel fuzz target (plugin_ops, plugin_image) attacks: named at start by
// $SHMH_FUZZ_CHANNEL (a plugin path or a built-in), so one binary serves every user —
// `shmharness fuzz channel PATH.so` sets it; without it, by a file `<the executable>.channel`
// whose first line is a plugin path relative to the executable's directory (or a built-in): how
// an OSS-Fuzz / ClusterFuzzLite build names the user's channel, since those runners pass no
// environment (examples/clusterfuzzlite/); without either, ring. Loaded once, before the target enters its private IPC
// + mount namespace (every object the channel makes vanishes with the process). Also the geometry
// an input picks, and the self-identifying message bytes both targets send.
//
//   shmh::fuzzing::ChannelUnderTest g_channel;
//   void init() { g_channel.load("plugin_ops"); }           // exits 2 with one line on failure
//   auto made = g_channel.create_from(in);                  // nullopt: geometry not supported
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/channel/channel.h"
#include "core/channel/channel_registry.h"
#include "core/sandbox/sandbox.h"

namespace shmh::fuzzing {

inline constexpr std::uint32_t kMaxFuzzMessage = 256;
inline constexpr std::uint32_t kFuzzCapacities[] = {1, 2, 3, 4, 8, 16};
inline constexpr std::uint32_t kFuzzMaxMessages[] = {1, 7, 8, 24, 64, 100, kMaxFuzzMessage};

struct ChannelUnderTest {
  std::string target;  // for messages: "plugin_ops"
  std::string spec;
  ChannelSource source;
  std::uint32_t flags = 0;
  bool trace = false;  // $SHMH_FUZZ_TRACE: every step on stderr (to read a reproducer)
  bool reported_create_failure = false;

  [[nodiscard]] const shmh_channel_vtable& vtable() const { return *source.vtable; }
  [[nodiscard]] bool declares(std::uint32_t flag) const { return (flags & flag) != 0; }

  // Loads the channel and enters the sandbox; a failure is one line and exit 2 (not a finding).
  void load(const std::string& target_name) {
    target = target_name;
    const char* named = std::getenv("SHMH_FUZZ_CHANNEL");  // NOLINT(concurrency-mt-unsafe): single-threaded init
    const bool from_env = named != nullptr && *named != '\0';
    const std::optional<std::string> beside = from_env ? std::nullopt : spec_beside_executable();
    spec = from_env ? std::string(named) : beside.value_or("ring");
    auto loaded = resolve_channel(spec);
    if (!loaded) fatal(loaded.error().message());
    if (beside) std::fprintf(stderr, "%s: channel %s (%s)\n", target.c_str(), loaded->vtable->name, spec.c_str());
    source = std::move(*loaded);
    flags = source.vtable->flags;
    trace = std::getenv("SHMH_FUZZ_TRACE") != nullptr;  // NOLINT(concurrency-mt-unsafe): single-threaded init
    auto kind = enter_sandbox({.dev_shm_bytes = 256ULL << 20});
    if (!kind) fatal(kind.error().message());
  }

  // The creator's handle, or nullopt when the channel refuses this geometry (said once: a
  // geometry it does not support is not a finding).
  std::optional<Channel> create(std::uint32_t capacity, std::uint32_t max_message) {
    const shmh_channel_config config{
        .capacity = capacity, .max_message = max_message, .backend = SHMH_BACKEND_POSIX, .mode = 0600, .name = "fuzz"};
    auto creator = Channel::create(vtable(), config);
    if (creator) return std::move(*creator);
    if (!reported_create_failure) {
      std::fprintf(stderr, "%s: %s: create(capacity %u, max_message %u) failed (%s); such inputs are skipped\n",
                   target.c_str(), spec.c_str(), capacity, max_message, creator.error().message().c_str());
      reported_create_failure = true;
    }
    return std::nullopt;
  }

  // The geometry an input picks first (the same two choices in every channel target, so their
  // inputs start alike) and the creator's handle for it; nullopt as create() says.
  struct Created {
    Channel creator;
    std::uint32_t capacity = 0;
    std::uint32_t max_message = 0;
  };
  std::optional<Created> create_from(FuzzedDataProvider& in) {
    const auto capacity = in.PickValueInArray(kFuzzCapacities);
    const auto max_message = in.PickValueInArray(kFuzzMaxMessages);
    auto creator = create(capacity, max_message);
    if (!creator) return std::nullopt;
    return Created{std::move(*creator), capacity, max_message};
  }

  // The first line of "<this executable>.channel": a plugin ("libmine.so", "lib/libmine.so") relative
  // to the executable's directory, an absolute path, or a built-in's name; nullopt without the file.
  [[nodiscard]] std::optional<std::string> spec_beside_executable() const {
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return std::nullopt;
    std::ifstream in(exe.string() + ".channel");
    std::string line;
    if (!in || !std::getline(in, line)) return std::nullopt;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty())
      fatal(exe.string() + ".channel is empty: write the channel's plugin path (relative to it) or a built-in");
    const bool plugin = line.find('/') != std::string::npos || line.ends_with(".so");
    if (!plugin || line.front() == '/') return line;  // a built-in, or an absolute path
    return (exe.parent_path() / line).string();
  }

  [[noreturn]] void fatal(const std::string& why) const {
    std::fprintf(stderr, "%s: %s\n", target.c_str(), why.c_str());
    std::exit(2);  // NOLINT(concurrency-mt-unsafe): fuzzer init, single-threaded
  }
};

// Message bytes that say whose they are: byte 0 is (writer << 7 | sequence mod 128), every later
// byte a function of (writer, sequence, offset). A 0-byte message carries nothing.
inline std::uint8_t message_byte(std::uint32_t writer, std::uint64_t seq, std::size_t i) {
  if (i == 0) return static_cast<std::uint8_t>(writer << 7U | (seq & 0x7fU));
  return static_cast<std::uint8_t>((std::uint64_t{writer} * 131U + seq * 31U + i * 7U) ^ (i >> 8U));
}
inline void fill_message(std::vector<std::byte>& buf, std::uint32_t writer, std::uint64_t seq, std::uint32_t length) {
  buf.resize(length);
  for (std::size_t i = 0; i < length; ++i) buf[i] = std::byte{message_byte(writer, seq, i)};
}

}  // namespace shmh::fuzzing
