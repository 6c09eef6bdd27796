#include "core/cleanup/sysvipc_table.h"

#include <array>
#include <charconv>
#include <optional>
#include <string>

#include "core/sys/sys.h"

namespace shmh {
namespace {

constexpr const char* kPath = "/proc/sysvipc/shm";

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <class T>
std::optional<T> parse_number(std::string_view s, int base = 10) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<std::vector<SysvTableRow>> parse_sysvipc_shm(std::string_view text) {
  enum Column { kKey, kShmid, kPerms, kSize, kCpid, kLpid, kNattch, kUid, kCount };
  constexpr std::array<std::string_view, kCount> kNames = {"key",  "shmid", "perms",  "size",
                                                           "cpid", "lpid",  "nattch", "uid"};
  std::array<std::size_t, kCount> index{};
  std::vector<SysvTableRow> rows;
  bool header = true;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    const auto fields = split_ws(line);
    if (fields.empty()) continue;
    if (header) {
      for (std::size_t c = 0; c < kCount; ++c) {
        std::size_t f = 0;
        while (f < fields.size() && fields[f] != kNames[c]) ++f;
        if (f == fields.size()) {
          return logic_error("parse /proc/sysvipc/shm", "header has no column '" + std::string(kNames[c]) + "'");
        }
        index[c] = f;
      }
      header = false;
      continue;
    }
    auto field = [&](Column c) -> std::string_view { return index[c] < fields.size() ? fields[index[c]] : ""; };
    // perms is printed in octal ("%4o"), everything else in decimal; key may be negative.
    const auto key = parse_number<long long>(field(kKey));
    const auto shmid = parse_number<int>(field(kShmid));
    const auto perms = parse_number<unsigned>(field(kPerms), 8);
    const auto size = parse_number<std::uint64_t>(field(kSize));
    const auto cpid = parse_number<pid_t>(field(kCpid));
    const auto lpid = parse_number<pid_t>(field(kLpid));
    const auto nattch = parse_number<std::uint64_t>(field(kNattch));
    const auto uid = parse_number<uid_t>(field(kUid));
    if (!key || !shmid || !perms || !size || !cpid || !lpid || !nattch || !uid) {
      return logic_error("parse /proc/sysvipc/shm", "malformed line " + std::to_string(line_no));
    }
    rows.push_back({static_cast<key_t>(*key), *shmid, *perms, *size, *cpid, *lpid, *nattch, *uid});
  }
  if (header) return logic_error("parse /proc/sysvipc/shm", "no header line");
  return rows;
}

Result<std::vector<SysvTableRow>> read_sysvipc_shm() {
  auto text = sys::read_file(kPath);
  if (!text) return text.error();
  return parse_sysvipc_shm(*text);
}

}  // namespace shmh
