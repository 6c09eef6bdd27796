#include "core/limits/remove_ipc.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "core/sys/sys.h"

namespace shmh {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

// systemd's boolean words.
std::optional<bool> parse_bool(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (v == "yes" || v == "true" || v == "on" || v == "1" || v == "y" || v == "t") return true;
  if (v == "no" || v == "false" || v == "off" || v == "0" || v == "n" || v == "f") return false;
  return std::nullopt;
}

// The last valid RemoveIPC= of the [Login] section of `text`, if any.
std::optional<bool> remove_ipc_in(const std::string& text) {
  std::optional<bool> value;
  bool in_login = false;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      in_login = line == "[Login]";
      continue;
    }
    const auto eq = line.find('=');
    if (!in_login || eq == std::string::npos || trim(line.substr(0, eq)) != "RemoveIPC") continue;
    if (auto b = parse_bool(trim(line.substr(eq + 1)))) value = b;
  }
  return value;
}

}  // namespace

RemoveIpc read_remove_ipc(const std::string& root, std::uint32_t uid) {
  RemoveIpc r;
  r.uid = uid;
  r.source = "systemd's default";
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string main = root + "etc/systemd/logind.conf";
  std::vector<std::string> files;
  if (fs::exists(main, ec)) files.push_back(main);
  // Drop-ins by file name; for one name, the first directory in this list wins.
  std::map<std::string, std::string> dropins;
  for (const char* dir : {"etc/systemd/logind.conf.d", "run/systemd/logind.conf.d", "usr/lib/systemd/logind.conf.d"}) {
    for (const auto& e : fs::directory_iterator(root + dir, ec)) {
      const std::string name = e.path().filename().string();
      if (e.path().extension() == ".conf") dropins.emplace(name, e.path().string());
    }
  }
  for (const auto& [name, path] : dropins) files.push_back(path);
  r.logind = fs::is_directory(root + "run/systemd/users", ec);
  for (const auto& f : files) {
    auto text = sys::read_file(f);
    if (!text) continue;
    if (auto v = remove_ipc_in(*text)) {
      r.enabled = *v;
      r.source = f.substr(root.size() - 1);  // as the machine names it: "/etc/..."
    }
  }
  if (auto defs = sys::read_file(root + "etc/login.defs")) {
    std::istringstream in(*defs);
    for (std::string line; std::getline(in, line);) {
      std::istringstream words(line);
      std::string key;
      std::string value;
      if (!(words >> key >> value) || key != "SYS_UID_MAX") continue;
      std::uint32_t v = 0;
      const auto [end, err] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (err == std::errc{} && end == value.data() + value.size()) r.sys_uid_max = v;
    }
  }
  return r;
}

}  // namespace shmh
