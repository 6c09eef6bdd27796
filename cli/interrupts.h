// Ctrl-C for long-running commands: SIGINT and SIGTERM set a flag instead of killing the process,
// so the command can end its work in order and print what it has (a partial report).
#pragma once

namespace shmh::cli {

// Installs the handlers (idempotent).
void catch_interrupts();
// Whether SIGINT or SIGTERM has arrived since catch_interrupts().
bool interrupted();

}  // namespace shmh::cli
