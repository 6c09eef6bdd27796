#include "fuzz/campaign/catalog.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace shmh::fuzz {

const std::vector<FuzzTarget>& fuzz_targets() {
  static const std::vector<FuzzTarget> targets = {
#include "fuzz/campaign/fuzz_targets.inc"
  };
  return targets;
}

const FuzzTarget* find_target(const std::string& name) {
  for (const FuzzTarget& t : fuzz_targets()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

FuzzLayout prefix_layout(const std::string& prefix) {
  FuzzLayout l;
  l.data_dir = prefix + "/share/shmharness/fuzz";
  l.fuzzer_dir = prefix + "/libexec/shmharness/fuzz";
  l.replay_dir = l.fuzzer_dir;
  l.where = "installed prefix " + prefix;
  return l;
}

FuzzLayout build_tree_layout() {
  FuzzLayout l;
  l.source_dir = SHMH_SOURCE_DIR;
  l.data_dir = l.source_dir + "/fuzz";
  l.fuzzer_dir = l.source_dir + "/build/fuzz/fuzz";
  l.replay_dir = std::string(SHMH_BINARY_DIR) + "/fuzz";
  l.coverage_dir = l.source_dir + "/build/coverage";
  l.where = "build tree " + l.source_dir;
  return l;
}

FuzzLayout default_layout() {
  // Installed: <prefix>/bin/shmharness beside <prefix>/share/shmharness/fuzz.
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto prefix = exe.parent_path().parent_path();
    if (std::filesystem::is_directory(prefix / "share/shmharness/fuzz", ec)) return prefix_layout(prefix.string());
  }
  return build_tree_layout();
}

std::vector<TargetStatus> target_status(const FuzzLayout& layout) {
  std::vector<TargetStatus> out;
  for (const FuzzTarget& t : fuzz_targets()) {
    out.push_back({.target = t,
                   .corpus = count_inputs(layout.corpus(t.name)),
                   .regressions = count_inputs(layout.regressions(t.name)),
                   .built = ::access(layout.fuzzer(t.name).c_str(), X_OK) == 0});
  }
  return out;
}

std::map<std::string, std::string> read_options(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      in_section = line.rfind("[libfuzzer]", 0) == 0;
      continue;
    }
    const auto eq = line.find('=');
    if (!in_section || eq == std::string::npos) continue;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    out[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return out;
}

std::size_t count_inputs(const std::string& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().filename().string()[0] != '.') ++n;
  }
  return n;
}

}  // namespace shmh::fuzz
