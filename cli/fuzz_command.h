// `shmharness fuzz`: list the targets, run campaigns (libFuzzer -fork, corpus merge, crash triage
// and minimisation, summary and JSON), reproduce one input, and measure the corpora's coverage.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/command.h"

namespace shmh::cli {

struct FuzzOptions {
  std::string action;                // list | run | channel | repro | coverage
  std::vector<std::string> targets;  // run / coverage: empty = all
  std::string target;                // repro
  std::vector<std::string> inputs;   // repro: files and directories of inputs
  bool with_corpus = false;          // repro: the target's own corpus and regressions too
  std::string channel;               // channel / repro: a plugin .so or a built-in, for the channel targets
  std::string time = "60s";          // per target
  unsigned jobs = 1;
  std::string out = "fuzz-out";
  std::string json;  // "-" = stdout
  std::string html;  // run: the self-contained HTML report
  bool no_merge = false;
  std::uint64_t seed = 0;
  std::string fuzzers;  // override: the directory of <target>_fuzzer binaries
  std::string source;   // override: the checkout holding fuzz/<target>/
  std::string prefix;   // override: an install prefix (share/shmharness/fuzz, libexec/shmharness/fuzz)
  bool no_build = false;
  double fail_under = 0;  // coverage: exit 1 when an area of core/ is below this percentage
};

void setup_fuzz(CLI::App& app, Runner& runner);
Outcome run_fuzz_command(const FuzzOptions& options);

}  // namespace shmh::cli
