// Runs a fuzz target's replay binary on inputs with a channel named in its environment, as
// `shmharness fuzz repro --channel` does, and keeps what it printed (its trace included).
//
//   const Replayed r = replay_target(SHMH_REPLAY_BINARY, "/x/libmine.so", {"input"});
//   EXPECT_EQ(r.exit.signal, SIGILL) << r.output;
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/process/run_command.h"

namespace shmh::test {

struct Replayed {
  ChildExit exit;
  std::string output;
  std::string error;  // when the binary could not be run at all
};

inline Replayed replay_target(const std::string& binary, const std::string& channel,
                              const std::vector<std::string>& inputs) {
  // One log per test process: ctest runs the cases in parallel.
  const std::string log =
      std::filesystem::temp_directory_path().string() + "/shmh-replay." + std::to_string(::getpid()) + ".log";
  std::filesystem::remove(log);
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), inputs.begin(), inputs.end());
  auto exit = run_command(argv, {.output = log, .env = {"SHMH_FUZZ_CHANNEL=" + channel, "SHMH_FUZZ_TRACE=1"}});
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(log);
  if (!exit) return {{}, text.str(), exit.error().message()};
  return {*exit, text.str(), ""};
}

}  // namespace shmh::test
