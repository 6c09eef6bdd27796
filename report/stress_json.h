// The JSON report of `shmharness stress` (schema "shmharness-stress/1", README "stress JSON").
// Stable keys; `verdict` always agrees with the process's exit code: "pass" 0, "fail" 1 (any
// finding), "interrupted" 2, "error" 2 (cli/stress_command.cc maps one to the other).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "stress/stress_result.h"

namespace shmh {

// The report as a JSON document (what --repeat nests, one per run), and as text.
nlohmann::ordered_json stress_json(const stress::StressResult& result);
std::string render_stress_json(const stress::StressResult& result);

}  // namespace shmh
