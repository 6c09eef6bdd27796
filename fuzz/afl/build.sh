#!/usr/bin/env bash
# AFL++ builds of the libFuzzer targets (Debian's afl++): the core library and each target compiled
# with afl-clang-fast++ and ASan + UBSan, the target linked with AFL++'s libFuzzer driver
# (-fsanitize=fuzzer under afl-clang-fast++). Output: build/afl/<target>_afl. Not run by CI.
#
#   fuzz/afl/build.sh && fuzz/afl/run.sh sysv_api 10m
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v afl-clang-fast++ > /dev/null ||
  { echo "afl/build.sh: afl-clang-fast++ not found; install Debian's afl++ (apt-get install afl++)" >&2; exit 2; }
out=build/afl
export AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1
cmake -S . -B "$out/lib" -G Ninja -DCMAKE_C_COMPILER=afl-clang-fast -DCMAKE_CXX_COMPILER=afl-clang-fast++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHMH_BUILD_TESTS=OFF -DSHMH_BUILD_BENCH=OFF -DSHMH_BUILD_CLI=OFF > "$out.log"
cmake --build "$out/lib" --target shmh_core >> "$out.log"
for target in $(grep -v '^#' fuzz/targets.tsv | cut -f1); do  # the one list of targets
  afl-clang-fast++ -std=c++20 -O1 -g -I. "fuzz/$target/$target.cc" -o "$out/${target}_afl" -fsanitize=fuzzer \
    "$out/lib/core/libshmh_core.a" -lxxhash -ldl -lrt -lpthread >> "$out.log" 2>&1
  echo "afl/build.sh: $out/${target}_afl"
done
