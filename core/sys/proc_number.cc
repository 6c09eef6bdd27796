#include "core/sys/proc_number.h"

#include <charconv>

#include "core/sys/sys.h"

namespace shmh::sys {

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

Result<std::uint64_t> read_u64(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto v = parse_u64(*text);
  if (!v) return logic_error("read " + path, "not a number: " + *text);
  return *v;
}

}  // namespace shmh::sys
