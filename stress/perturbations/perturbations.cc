// Every perturbation the phase driver can apply, in the order it ticks them.
#include <array>

#include "stress/perturbation.h"

namespace shmh::stress {

const PerturbationDescriptor& kill_perturbation();
const PerturbationDescriptor& pause_perturbation();

std::span<const PerturbationDescriptor* const> perturbations() {
  static const std::array<const PerturbationDescriptor*, 2> all = {&kill_perturbation(), &pause_perturbation()};
  return all;
}

}  // namespace shmh::stress
