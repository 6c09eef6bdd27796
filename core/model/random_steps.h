// Random steps for the models' kernel tests and `shmharness conform`: seeded sequences over the
// few keys, names, sizes, modes, flags and seals where the interesting answers are (the fuzz targets
// draw theirs from the input instead).
#pragma once

#include <random>

#include "core/model/posix_differential.h"
#include "core/model/sysv_differential.h"

namespace shmh::model {

// A random step over the few keys, sizes, modes and flags where the interesting answers are.
SysvStep random_sysv_step(std::mt19937_64& rng, const Limits& limits, int targets, uid_t other_uid);

// A random step over the names, sizes, flags and seals where the interesting answers are.
PosixStep random_posix_step(std::mt19937_64& rng, const PosixLimits& limits, int fds, int maps);

}  // namespace shmh::model
