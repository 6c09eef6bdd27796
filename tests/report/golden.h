// Golden files for reporter tests: a fixed outcome in, the exact text out. After an intended
// change, regenerate with SHMH_UPDATE_GOLDEN=1 and review the diff.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace shmh::test {

inline std::string golden_path(const char* name) { return std::string(SHMH_GOLDEN_DIR) + "/" + name; }

inline void expect_golden(const std::string& actual, const char* name) {
  if (std::getenv("SHMH_UPDATE_GOLDEN") != nullptr) {  // NOLINT(concurrency-mt-unsafe): single-threaded test
    std::ofstream(golden_path(name)) << actual;
    return;
  }
  std::ifstream in(golden_path(name));
  ASSERT_TRUE(in) << "missing golden file " << golden_path(name);
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "(regenerate with SHMH_UPDATE_GOLDEN=1 if the change is intended)";
}

}  // namespace shmh::test
