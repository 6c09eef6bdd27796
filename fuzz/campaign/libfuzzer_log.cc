#include "fuzz/campaign/libfuzzer_log.h"

#include <cctype>
#include <cmath>
#include <sstream>
#include <vector>

namespace shmh::fuzz {
namespace {

// The number after `key` in `line` (skipping a ':' and spaces), or nullopt-like 0 with found=false.
bool number_after(const std::string& line, const std::string& key, std::uint64_t* out) {
  auto at = line.find(key);
  if (at == std::string::npos) return false;
  at += key.size();
  while (at < line.size() && (line[at] == ':' || line[at] == ' ')) ++at;
  std::uint64_t v = 0;
  bool any = false;
  while (at < line.size() && std::isdigit(static_cast<unsigned char>(line[at])) != 0) {
    v = v * 10 + static_cast<std::uint64_t>(line[at++] - '0');
    any = true;
  }
  if (any) *out = v;
  return any;
}

std::string normalise(const std::string& line) {
  std::string out;
  bool in_quote = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      if (!in_quote) out += "\"S\"";
      in_quote = !in_quote;
      continue;
    }
    if (in_quote) continue;
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      if (out.empty() || out.back() != 'N') out += 'N';
      while (i + 1 < line.size() && std::isxdigit(static_cast<unsigned char>(line[i + 1])) != 0) ++i;
      if (i + 1 < line.size() && line[i + 1] == 'x') ++i;  // 0x...
      continue;
    }
    out += c;
  }
  return out;
}

// A status line as a sample; `s` holds the numbers parse_libfuzzer_log already read from it.
FuzzSample sample_of(const std::string& line, const FuzzStats& s) {
  FuzzSample x{.t_s = 0, .execs = s.execs, .coverage = s.coverage, .features = s.features, .corpus = 0, .crashes = 0};
  number_after(line, "corp", &x.corpus);
  std::uint64_t seconds = 0;
  if (number_after(line, " time", &seconds)) {  // not "oom/timeout" nor "dft_time"
    x.t_s = static_cast<double>(seconds);
  } else if (s.exec_per_s > 0) {
    x.t_s = static_cast<double>(s.execs) / static_cast<double>(s.exec_per_s);
  }
  // "oom/timeout/crash: 0/1/2"
  if (auto at = line.find("oom/timeout/crash:"); at != std::string::npos) {
    at += 18;
    while (at < line.size() && line[at] == ' ') ++at;
    std::uint64_t part = 0;
    for (; at < line.size() && (std::isdigit(static_cast<unsigned char>(line[at])) != 0 || line[at] == '/'); ++at) {
      if (line[at] == '/') {
        x.crashes += part;
        part = 0;
      } else {
        part = part * 10 + static_cast<std::uint64_t>(line[at] - '0');
      }
    }
    x.crashes += part;
  }
  return x;
}

}  // namespace

FuzzStats parse_libfuzzer_log(const std::string& log) {
  FuzzStats s;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '#' || line.find("cov:") == std::string::npos) continue;
    s.found_status = true;
    number_after(line, "#", &s.execs);
    number_after(line, "cov", &s.coverage);
    number_after(line, "ft", &s.features);
    number_after(line, "exec/s", &s.exec_per_s);
    s.series.push_back(sample_of(line, s));
  }
  if (s.series.size() > FuzzStats::kMaxSamples) {
    // Evenly thinned, the last one kept.
    std::vector<FuzzSample> thin;
    thin.reserve(FuzzStats::kMaxSamples);
    const double step = static_cast<double>(s.series.size() - 1) / static_cast<double>(FuzzStats::kMaxSamples - 1);
    for (std::size_t i = 0; i < FuzzStats::kMaxSamples; ++i) {
      thin.push_back(s.series[static_cast<std::size_t>(std::lround(static_cast<double>(i) * step))]);
    }
    s.series = std::move(thin);
  }
  return s;
}

std::string crash_signature(const std::string& log) {
  std::istringstream in(log);
  std::string line;
  std::string deadly, frame;
  while (std::getline(in, line)) {
    if (line.rfind("SUMMARY: ", 0) == 0 && line.find("libFuzzer: deadly signal") == std::string::npos) {
      return normalise(line.substr(9));
    }
    if (line.find("disagree") != std::string::npos) return normalise(line);
    if (line.find("ALARM: working on the last Unit") != std::string::npos) return "timeout";
    if (line.find("out-of-memory") != std::string::npos) return "out of memory";
    if (line.find("deadly signal") != std::string::npos) deadly = "deadly signal";
    // The first stack frame in our code names where a deadly signal hit ("#4 0x... in shmh::f(...) path").
    if (const auto at = line.find(" in shmh::"); frame.empty() && at != std::string::npos) {
      frame = line.substr(at + 4);
      frame = frame.substr(0, frame.find('('));
    }
  }
  if (!deadly.empty()) return normalise(deadly + (frame.empty() ? "" : " in " + frame));
  return "";
}

}  // namespace shmh::fuzz
