// The JUnit XML report of `shmharness stress`, for CI dashboards: one <testsuite>, one <testcase>
// per phase (a finding is a <failure> whose type is its kind, a skipped phase <skipped/>, a run
// that could not be done an <error>), plus a "cleanup" test case for leaked segments.
#pragma once

#include <string>

#include "stress/stress_result.h"

namespace shmh {

std::string render_stress_junit(const stress::StressResult& result);

}  // namespace shmh
