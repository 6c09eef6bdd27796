// The human report of `shmharness clean`: one line per tagged object (kept, would remove, removed,
// or why it could not be removed), then the totals.
#pragma once

#include <string>

#include "core/cleanup/clean.h"

namespace shmh {

std::string render_clean_text(const CleanReport& report);

}  // namespace shmh
