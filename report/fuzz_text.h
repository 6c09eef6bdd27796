// The human summary of `shmharness fuzz run`: one line per target (time, executions, exec/s,
// coverage, new corpus inputs, crashes), then each unique crash with the command that reproduces it.
#pragma once

#include <string>
#include <vector>

#include "fuzz/campaign/campaign.h"
#include "fuzz/campaign/catalog.h"
#include "fuzz/campaign/coverage.h"

namespace shmh {

std::string render_fuzz_text(const std::vector<fuzz::TargetReport>& reports);

// `fuzz list`: one line per target (corpus, regressions, built, what it checks), then where the
// pieces come from.
std::string render_fuzz_list(const std::vector<fuzz::TargetStatus>& targets, const fuzz::FuzzLayout& layout);

// `fuzz coverage`: line coverage per area of core/ (the gated one marked when below `fail_under`),
// then where the HTML and lcov files are.
std::string render_fuzz_coverage(const fuzz::CoverageReport& report, std::size_t targets, double fail_under);

}  // namespace shmh
