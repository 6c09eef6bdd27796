// Writes a run's live counters for `shmharness stat` (report/stat_file.h): the whole file to
// PATH.tmp, then rename over PATH, so a reader sees the last snapshot or the one before, never
// half of one.
#pragma once

#include <string>

#include "report/stat_file.h"

namespace shmh::cli {

class StatWriter {
 public:
  explicit StatWriter(std::string path) : path_(std::move(path)) {}
  // False (errno kept) when the file cannot be written.
  bool write(const StatSnapshot& snapshot) const;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace shmh::cli
