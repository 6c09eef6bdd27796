// The JSON report of `shmharness stress` (schema "shmharness-stress/1", README "stress JSON").
// Stable keys; `verdict` always agrees with the process's exit code: "pass" 0, "fail" 1 (any
// finding), "interrupted" 2, "error" 2 (cli/stress_command.cc maps one to the other).
#pragma once

#include <string>

#include "stress/stress_result.h"

namespace shmh {

std::string render_stress_json(const stress::StressResult& result);

}  // namespace shmh
