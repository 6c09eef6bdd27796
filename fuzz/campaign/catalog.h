// The fuzz targets shmharness knows (generated from fuzz/targets.tsv, the one list) and where their
// pieces live: the libFuzzer binary (fuzz preset), the replay binary (any preset), and each
// target's corpus, regressions, dictionary and .options.
//
//   FuzzLayout layout = default_layout();   // an installed prefix beside this binary, or its build tree
//   for (const FuzzTarget& t : fuzz_targets()) layout.fuzzer(t.name);
//
// Where the pieces are: the prefix this binary is installed in (<bin>/../share/shmharness/fuzz
// exists), else the source and build trees it was built from. The CLI's --prefix (or
// $SHMH_FUZZ_PREFIX), --source and --fuzzers override it.
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

// Every target, in fuzz/targets.tsv's order.
const std::vector<FuzzTarget>& fuzz_targets();
const FuzzTarget* find_target(const std::string& name);

struct FuzzLayout {
  std::string data_dir;      // <name>/{corpus,regressions,<name>.dict,<name>.options}
  std::string fuzzer_dir;    // libFuzzer binaries: <name>_fuzzer
  std::string replay_dir;    // replay binaries: <name>_replay
  std::string source_dir;    // the checkout (for `fuzz coverage`); "" for an installed prefix
  std::string coverage_dir;  // the coverage preset's build tree; "" for an installed prefix
  std::string where;         // "installed prefix /opt/x" or "build tree /src": for messages

  [[nodiscard]] std::string target_dir(const std::string& name) const { return data_dir + "/" + name; }
  [[nodiscard]] std::string corpus(const std::string& name) const { return target_dir(name) + "/corpus"; }
  [[nodiscard]] std::string regressions(const std::string& name) const { return target_dir(name) + "/regressions"; }
  [[nodiscard]] std::string dict(const std::string& name) const { return target_dir(name) + "/" + name + ".dict"; }
  [[nodiscard]] std::string fuzzer(const std::string& name) const { return fuzzer_dir + "/" + name + "_fuzzer"; }
  [[nodiscard]] std::string replay(const std::string& name) const { return replay_dir + "/" + name + "_replay"; }
};

// The layout of an install prefix (share/shmharness/fuzz, libexec/shmharness/fuzz).
FuzzLayout prefix_layout(const std::string& prefix);
// The layout of the checkout and build tree this binary was configured from.
FuzzLayout build_tree_layout();
// As the header says: the prefix beside this executable, else the build tree.
FuzzLayout default_layout();

// What `fuzz list` shows of one target in a layout.
struct TargetStatus {
  FuzzTarget target;
  std::size_t corpus = 0;       // inputs in its corpus
  std::size_t regressions = 0;  // inputs in its regressions
  bool built = false;           // its libFuzzer binary is there and executable
};

// Every target's status in `layout`.
std::vector<TargetStatus> target_status(const FuzzLayout& layout);

// The [libfuzzer] section of <name>.options as flag → value ("max_len" → "512").
std::map<std::string, std::string> read_options(const std::string& path);

// Regular files in a directory (0 when it does not exist); dot files are not inputs.
std::size_t count_inputs(const std::string& dir);

}  // namespace shmh::fuzz
