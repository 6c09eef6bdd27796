#include "cli/report_output.h"

#include <cerrno>
#include <fstream>

#include "core/result.h"

namespace shmh::cli {

ReportOutput::ReportOutput(const char* command, std::initializer_list<std::string> targets) : command_(command) {
  for (const auto& t : targets) {
    if (t == "-") human_ = stderr;
  }
}

bool ReportOutput::write(const std::string& path, const std::string& text) const {
  if (path.empty()) return true;
  if (path == "-") {
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    return true;
  }
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    const int err = errno;
    std::fprintf(stderr, "shmharness %s: cannot write %s%s%s; check that its directory exists and is writable\n",
                 command_, path.c_str(), err != 0 ? ": " : "", err != 0 ? errno_name(err).c_str() : "");
    return false;
  }
  return true;
}

}  // namespace shmh::cli
