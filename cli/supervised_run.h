// Supervised runs: what the CLI does when it has to create objects outside a sandbox (no
// namespaces here, or --no-sandbox). The work runs in a child process; an interrupt (SIGINT from
// the terminal, SIGTERM or SIGHUP sent to the parent) ends the child, and the parent then removes
// every tagged object that child left, says so in one line, and the run is interrupted. A SIGKILL of the parent
// takes the child with it (PR_SET_PDEATHSIG); its objects stay tagged for `shmharness clean`.
#pragma once

#include <functional>

#include "cli/command.h"

namespace shmh::cli {

// Runs `body` in a supervised child and returns its outcome (kInterrupted when a signal ended it,
// kError when the child could not be run).
Outcome run_supervised(const char* command, const std::function<Outcome()>& body);

}  // namespace shmh::cli
