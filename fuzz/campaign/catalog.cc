#include "fuzz/campaign/catalog.h"

#include <filesystem>
#include <fstream>

namespace shmh::fuzz {

const std::vector<FuzzTarget>& fuzz_targets() {
  static const std::vector<FuzzTarget> targets = {
      {"sysv_api", "System V shmget/shmat/shmdt/shmctl sequences, kernel vs. model (core/model/sysv_model)"},
      {"posix_api", "shm_open/ftruncate/mmap/munmap/shm_unlink and memfd sequences, kernel vs. model"},
      {"channel_image", "a hostile ring segment image: the reader must not crash, hang or read outside it"},
      {"channel_ops", "ring send/recv/kill-a-peer sequences vs. a model queue (exactly once, in order)"},
  };
  return targets;
}

const FuzzTarget* find_target(const std::string& name) {
  for (const FuzzTarget& t : fuzz_targets()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

FuzzLayout default_layout() {
  FuzzLayout l;
  l.source_dir = SHMH_SOURCE_DIR;
  l.fuzzer_dir = std::string(SHMH_SOURCE_DIR) + "/build/fuzz/fuzz";
  l.replay_dir = std::string(SHMH_BINARY_DIR) + "/fuzz";
  l.coverage_dir = std::string(SHMH_SOURCE_DIR) + "/build/coverage";
  return l;
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
