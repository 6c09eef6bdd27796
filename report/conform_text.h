// The human report of `shmharness conform`: one line per area of the pinned table, the random
// sequences' line, each deviation with its calls (the shortest sequence that shows it), the
// kernel's answer and Linux's, then the verdict line.
//
//   std::fputs(render_conform_text(report).c_str(), stdout);
#pragma once

#include <string>

#include "core/conform/conform.h"

namespace shmh {

std::string render_conform_text(const conform::ConformReport& report);
// "verdict: PASS (226 pinned cases and 400 random sequences answer as Linux)": --quiet.
std::string render_conform_verdict(const conform::ConformReport& report);

}  // namespace shmh
