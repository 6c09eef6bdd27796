#include "core/random/splitmix.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

namespace shmh {

std::uint64_t random_seed() noexcept {
  std::uint64_t seed = 0;
  if (::getrandom(&seed, sizeof seed, GRND_NONBLOCK) == static_cast<ssize_t>(sizeof seed)) return seed;
  // No entropy source: the pid and the clock differ between runs, which is all a seed needs.
  timespec now{};
  (void)::clock_gettime(CLOCK_MONOTONIC, &now);
  return splitmix64_mix(static_cast<std::uint64_t>(::getpid()) ^ static_cast<std::uint64_t>(now.tv_nsec) ^
                        (static_cast<std::uint64_t>(now.tv_sec) << 32));
}

}  // namespace shmh
