#include "cli/interrupts.h"

#include <signal.h>

#include <atomic>

namespace shmh::cli {
namespace {

std::atomic<bool> g_interrupted{false};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables): signal flag

extern "C" void on_interrupt(int /*sig*/) { g_interrupted.store(true); }

}  // namespace

void catch_interrupts() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() { return g_interrupted.load(); }

}  // namespace shmh::cli
