// The project's one source of cheap, reproducible randomness and of fresh run seeds.
//
//   SplitMix64 rng(seed);
//   std::uint64_t r = rng();                       // a stream: reproducible from `seed`
//   std::uint64_t s = splitmix64_mix(seed + 3);    // a one-shot hash of a counter (derived seeds)
//   std::uint64_t fresh = random_seed();           // what a run uses when the user gave no --seed
//
// splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
// one add and a 3-step finaliser per value, statistically sound for test-case generation, and
// cheaper per message than std::mt19937_64's refills. Not for anything secret.
#pragma once

#include <cstdint>

namespace shmh {

inline constexpr std::uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

// The splitmix64 finaliser: a bijective mix of one 64-bit value.
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The `index`-th seed derived from `seed` (a phase's seed from the run's, a peer's from the phase's):
// distinct indexes give unrelated streams.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t index) noexcept {
  return splitmix64_mix(seed + (index + 1) * kGoldenGamma);
}

class SplitMix64 {
 public:
  constexpr explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}
  constexpr std::uint64_t operator()() noexcept { return splitmix64_mix(state_ += kGoldenGamma); }

 private:
  std::uint64_t state_;
};

// 64 bits from getrandom(2); falls back to a mix of the pid and the clock where the call is not
// available (old kernels, seccomp filters). Never 0-only: any value is a valid seed.
std::uint64_t random_seed() noexcept;

}  // namespace shmh
