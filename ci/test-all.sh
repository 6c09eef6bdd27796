#!/usr/bin/env bash
# The whole test suite under the default, asan-ubsan and tsan presets (README, command 2).
# Installs what is missing first; each preset is configure + build + test (a CMake workflow), with
# JUnit written to build/<preset>/junit.xml. Stops at the first failing preset.
set -euo pipefail
cd "$(dirname "$0")/.."

ci/setup.sh
for preset in default asan-ubsan tsan; do
  echo "=== ${preset} ==="
  t0=$(date +%s)
  cmake --workflow --preset "${preset}"
  echo "test-all: ${preset} (configure, build, test) took $(( $(date +%s) - t0 )) s"
done
