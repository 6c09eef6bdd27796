// plugin_image (fuzz/plugin_image), the hostile peer, against channels it loads by path: the
// test-only channel that trusts a length from its shared bytes dies on its reproducer (the copy
// runs into the guard page after the receive buffer, or past the ring), the same ring without the
// bug and the correct channels pass it and the corpus, and a channel that does not expose its
// shared bytes is an error at start, not a finding.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "tests/fuzz/replay_target.h"

namespace {

std::string reproducers() { return std::string(SHMH_SOURCE_DIR) + "/tests/fuzz/plugin_image_reproducers"; }
std::string corpus() { return std::string(SHMH_SOURCE_DIR) + "/fuzz/plugin_image/corpus"; }
std::string broken(const std::string& kind) {
  return std::string(SHMH_FUZZ_BROKEN_DIR) + "/libshmh_fuzz_broken_" + kind + ".so";
}

shmh::test::Replayed replay(const std::string& channel, const std::vector<std::string>& inputs) {
  auto r = shmh::test::replay_target(SHMH_REPLAY_BINARY, channel, inputs);
  EXPECT_EQ(r.error, "");
  return r;
}

TEST(PluginImage, AChannelThatTrustsALengthFromItsSharedBytesDies) {
  const auto r = replay(broken("trusts-length"), {reproducers() + "/trusts-length"});
  // A fault, the target's trap, or — in the sanitizer presets — the sanitizer's report of it
  // ("AddressSanitizer: memcpy-param-overlap", "ThreadSanitizer: SEGV"), which exits 1 or 66, or
  // aborts with the presets' abort_on_error=1.
  const bool faulted = r.exit.signal == SIGSEGV || r.exit.signal == SIGBUS || r.exit.signal == SIGILL;
  const bool reported = !r.exit.ok() && r.output.find("Sanitizer: ") != std::string::npos;
  EXPECT_TRUE(faulted || reported) << r.exit.describe() << "\n" << r.output;
  EXPECT_NE(r.output.find("the hostile peer writes 4 byte(s) at offset 32"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("replay:"), std::string::npos) << "it ran to the end:\n" << r.output;
}

class HostileCorrect : public ::testing::TestWithParam<std::string> {};

TEST_P(HostileCorrect, PassesTheReproducersAndTheCorpus) {
  const auto r = replay(GetParam(), {reproducers(), corpus()});
  EXPECT_TRUE(r.exit.ok()) << r.exit.describe() << "\n" << r.output;
  EXPECT_NE(r.output.find("replay:"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(PluginImage, HostileCorrect,
                         ::testing::Values(broken("base"), std::string("ring"), std::string(SHMH_SPSC_PLUGIN)),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           return "channel" + std::to_string(p.index);
                         });

TEST(PluginImage, AChannelWithoutSharedBytesIsAnErrorNotAFinding) {
  const auto r = replay(SHMH_EXAMPLE_PLUGIN, {reproducers() + "/trusts-length"});
  EXPECT_EQ(r.exit.signal, 0) << r.output;
  EXPECT_EQ(r.exit.code, 2) << r.output;
  EXPECT_NE(r.output.find("does not expose its shared bytes"), std::string::npos) << r.output;
}

}  // namespace
