// The fuzz targets shmharness knows and where their pieces live: the libFuzzer binary (fuzz
// preset), the replay binary (any preset), and beside the target's source its corpus, regressions,
// dictionary and .options.
//
//   FuzzLayout layout = default_layout();       // the source tree and build/ trees it was built from
//   for (const FuzzTarget& t : fuzz_targets()) layout.fuzzer(t.name);   // build/fuzz/fuzz/<name>_fuzzer
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace shmh::fuzz {

struct FuzzTarget {
  std::string name;
  std::string summary;
};

// Every target, in a stable order.
const std::vector<FuzzTarget>& fuzz_targets();
const FuzzTarget* find_target(const std::string& name);

struct FuzzLayout {
  std::string source_dir;    // the checkout: fuzz/<name>/{corpus,regressions,<name>.dict,<name>.options}
  std::string fuzzer_dir;    // libFuzzer binaries: <name>_fuzzer
  std::string replay_dir;    // replay binaries of the same build as this CLI: <name>_replay
  std::string coverage_dir;  // the coverage preset's build tree

  [[nodiscard]] std::string target_dir(const std::string& name) const { return source_dir + "/fuzz/" + name; }
  [[nodiscard]] std::string corpus(const std::string& name) const { return target_dir(name) + "/corpus"; }
  [[nodiscard]] std::string regressions(const std::string& name) const { return target_dir(name) + "/regressions"; }
  [[nodiscard]] std::string dict(const std::string& name) const { return target_dir(name) + "/" + name + ".dict"; }
  [[nodiscard]] std::string fuzzer(const std::string& name) const { return fuzzer_dir + "/" + name + "_fuzzer"; }
  [[nodiscard]] std::string replay(const std::string& name) const { return replay_dir + "/" + name + "_replay"; }
};

// The layout of the tree this binary was configured from (SHMH_SOURCE_DIR, SHMH_BINARY_DIR).
FuzzLayout default_layout();

// The [libfuzzer] section of fuzz/<name>/<name>.options as flag → value ("max_len" → "512").
std::map<std::string, std::string> read_options(const std::string& path);

// Regular files in a directory (0 when it does not exist); dot files are not inputs.
std::size_t count_inputs(const std::string& dir);

}  // namespace shmh::fuzz
