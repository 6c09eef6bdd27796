// The JSON report of `shmharness conform` (schema "shmharness-conform/1", README): the kernel, the
// sandbox, the other user, each area of the pinned table, the random sequences, every deviation
// (its calls, the kernel's answer and Linux's), and the verdict.
#pragma once

#include <string>

#include "core/conform/conform.h"

namespace shmh {

std::string render_conform_json(const conform::ConformReport& report);

}  // namespace shmh
