#include "core/sandbox/mount_table.h"

#include <algorithm>
#include <sstream>

#include "core/sys/sys.h"

namespace shmh {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo (fs/proc_namespace.c, mangle()).
std::string unescape(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      const auto digit = [&](std::size_t k) { return field[i + k] >= '0' && field[i + k] <= '7'; };
      if (digit(1) && digit(2) && digit(3)) {
        out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0'));
        i += 3;
        continue;
      }
    }
    out += field[i];
  }
  return out;
}

bool holds(std::string_view point, std::string_view path) {
  if (point == "/") return !path.empty() && path.front() == '/';
  return path.substr(0, point.size()) == point && (path.size() == point.size() || path[point.size()] == '/');
}

}  // namespace

std::vector<std::string> mount_points(std::string_view mountinfo) {
  std::vector<std::string> out;
  std::istringstream lines{std::string(mountinfo)};
  std::string line;
  while (std::getline(lines, line)) {
    // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
    std::istringstream fields(line);
    std::string id, parent, devno, root, point;
    if (fields >> id >> parent >> devno >> root >> point && !point.empty() && point.front() == '/') {
      out.push_back(unescape(point));
    }
  }
  return out;
}

bool root_is_a_mount_point() {
  auto info = sys::read_file("/proc/self/mountinfo");
  if (!info) return true;
  const auto points = mount_points(*info);
  return std::find(points.begin(), points.end(), "/") != points.end();
}

std::optional<std::string> mount_holding(std::string_view path, const std::vector<std::string>& points) {
  std::optional<std::string> best;
  for (const auto& point : points) {
    if (holds(point, path) && (!best || point.size() > best->size())) best = point;
  }
  return best;
}

}  // namespace shmh
