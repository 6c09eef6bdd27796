#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds a user's project against the installed CMake
# package (tests/install/consumer) and runs its ctest: the stress test it declared must pass and
# leave its JSON and JUnit reports. Then the installed `shmharness fuzz` must work with the checkout
# out of sight (installed_fuzz_test.sh). Usage: install_test.sh <build dir> <source dir> <work dir>
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
test -x "$work/prefix/bin/shmharness"
test -f "$work/prefix/include/shmh_channel.h"
cmake -S "$src/tests/install/consumer" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DMY_CHANNEL_SOURCE="$src/examples/locked_queue/locked_queue_channel.c" > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
ctest --test-dir "$work/build" --output-on-failure
grep -q '"verdict": "pass"' "$work/build/mychannel_stress.json"
grep -q '<testsuite name="shmharness stress locked-queue"' "$work/build/mychannel_stress.junit.xml"
ctest --test-dir "$work/build" -N -L shmharness-stress | grep -q "Total Tests: 1"
ctest --test-dir "$work/build" -N -L shmharness-fuzz | grep -q "Total Tests: 1"
echo "install test: the installed package built, stressed and replayed fuzz inputs through a user's channel"

# The installed fuzz CLI with the checkout out of sight.
"$src/tests/install/installed_fuzz_test.sh" "$work/prefix" "$src"
