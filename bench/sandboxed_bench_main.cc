// The main of every benchmark binary: Google Benchmark inside a private IPC + mount namespace
// (core/sandbox), so an interrupted or crashing benchmark cannot leak a segment onto the machine.
#include <benchmark/benchmark.h>

#include <cstdio>

#include "core/sandbox/sandbox.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  if (auto kind = shmh::enter_sandbox(); !kind) {
    (void)std::fprintf(stderr, "%s: %s\n", argv[0], kind.error().message().c_str());
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
