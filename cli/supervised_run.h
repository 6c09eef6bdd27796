// Supervised runs: what the CLI does when it has to create objects outside a sandbox (no
// namespaces here, or --no-sandbox). The work runs in a child process; an interrupt (SIGINT from
// the terminal, SIGTERM or SIGHUP sent to the parent) ends the child, and the parent then removes
// every tagged object that child left, says so in one line, and exits 2. A SIGKILL of the parent
// takes the child with it (PR_SET_PDEATHSIG); its objects stay tagged for `shmharness clean`.
#pragma once

#include <functional>

namespace shmh::cli {

// Runs `body` (which returns an exit code) in a supervised child and returns the exit code.
int run_supervised(const char* command, const std::function<int()>& body);

}  // namespace shmh::cli
