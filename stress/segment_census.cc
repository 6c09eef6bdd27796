#include "stress/segment_census.h"

#include <cstdio>
#include <filesystem>

#include "core/cleanup/sysvipc_table.h"

namespace shmh::stress {

Result<SegmentCensus> take_census() {
  SegmentCensus c;
  auto rows = read_sysvipc_shm();
  if (!rows) return rows.error();
  for (const auto& row : *rows) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "sysv key 0x%08x id %d", static_cast<unsigned>(row.key), row.shmid);
    c.objects.insert(buf);
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm", ec)) {
    c.objects.insert("posix /" + entry.path().filename().string());
  }
  if (ec) return sys_error(ec.value(), "list /dev/shm");
  return c;
}

std::vector<std::string> leaked(const SegmentCensus& before, const SegmentCensus& after) {
  std::vector<std::string> out;
  for (const auto& o : after.objects) {
    if (before.objects.count(o) == 0) out.push_back(o);
  }
  return out;
}

}  // namespace shmh::stress
