#include "report/smoke_text.h"

#include <fmt/format.h>

#include <cctype>
#include <string>

#include "core/units.h"

namespace shmh {
namespace {

std::string upper(const char* word) {
  std::string s = word;
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string render_smoke_verdict(const ShareCheckResult& r) {
  std::size_t passed = 0;
  for (const auto& b : r.backends) passed += b.outcome == Outcome::kPass ? 1 : 0;
  return fmt::format("verdict: {} ({} of {} backends share memory correctly)\n", upper(to_string(r.outcome())), passed,
                     r.backends.size());
}

std::string render_smoke_text(const ShareCheckResult& r) {
  std::string out;
  for (const auto& b : r.backends) {
    out += fmt::format("  {:<6} {:<5} {} checked in {:.1f} ms: {}\n", to_string(b.backend), upper(to_string(b.outcome)),
                       format_bytes(b.bytes_checked), b.seconds * 1e3, b.detail);
  }
  return out + render_smoke_verdict(r);
}

}  // namespace shmh
