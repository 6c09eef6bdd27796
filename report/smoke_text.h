// The human report of `shmharness smoke`: one line per backend (outcome, bytes, time, what was
// proved or what failed), then the verdict line.
//
//   std::fputs(render_smoke_text(result).c_str(), stdout);
#pragma once

#include <string>

#include "core/check/share_check.h"

namespace shmh {

// "  sysv   PASS  1.0 MiB checked in 3.1 ms: ...", one per backend, then the verdict line.
std::string render_smoke_text(const ShareCheckResult& result);
// "verdict: PASS (3 of 3 backends share memory correctly)": --quiet.
std::string render_smoke_verdict(const ShareCheckResult& result);

}  // namespace shmh
