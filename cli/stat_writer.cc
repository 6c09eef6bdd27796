#include "cli/stat_writer.h"

#include <cstdio>
#include <fstream>

namespace shmh::cli {

bool StatWriter::write(const StatSnapshot& snapshot) const {
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << render_stat_file(snapshot);
    out.close();
    if (!out) {
      (void)std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    (void)std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace shmh::cli
