// Source-based coverage of the fuzz corpora: builds the targets' replay binaries with the
// `coverage` preset (clang -fprofile-instr-generate -fcoverage-mapping), runs every corpus and
// regression input through them, merges the profiles (llvm-profdata) and writes an HTML report and
// an lcov file (llvm-cov), plus line coverage per area of core/.
//
//   auto r = run_coverage(default_layout(), {"sysv_api"}, {.out_dir = "fuzz-out/coverage"});
//   r->areas  // [{"core/model/", 1234, 1180}, ...]
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "fuzz/campaign/catalog.h"

namespace shmh::fuzz {

struct CoverageOptions {
  std::string out_dir = "fuzz-out/coverage";
  bool build = true;  // configure and build the coverage preset first
};

// The area --fail-under gates: the model, the segments and the ring together.
inline constexpr const char* kGatedArea = "model+segment+ring";

struct AreaCoverage {
  std::string prefix;  // "core/model/"
  std::uint64_t lines = 0;
  std::uint64_t covered = 0;
  [[nodiscard]] double percent() const {
    return lines == 0 ? 0.0 : 100.0 * static_cast<double>(covered) / static_cast<double>(lines);
  }
  // Whether this is the gated area and its coverage is below `fail_under` percent.
  [[nodiscard]] bool below(double fail_under) const { return prefix == kGatedArea && percent() < fail_under; }
};

struct CoverageReport {
  // core/model/, core/segment/, core/channel/ring/, the three together ("model+segment+ring"),
  // and core/ (every core file the targets link).
  std::vector<AreaCoverage> areas;
  std::string html;  // index.html
  std::string lcov;  // lcov.info

  // Whether the gated area is below `fail_under` percent (a finding).
  [[nodiscard]] bool below(double fail_under) const {
    for (const auto& a : areas) {
      if (a.below(fail_under)) return true;
    }
    return false;
  }
};

// Errors: clang / llvm-profdata / llvm-cov missing (install clang and llvm), a build that fails, a
// replay that crashes (a corpus input that fails is a finding to fix first).
Result<CoverageReport> run_coverage(const FuzzLayout& layout, const std::vector<std::string>& targets,
                                    const CoverageOptions& options);

}  // namespace shmh::fuzz
