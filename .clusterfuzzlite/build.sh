#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: the core library with the engine's flags ($CC $CXX $CFLAGS
# $CXXFLAGS), then each target linked with $LIB_FUZZING_ENGINE into $OUT, beside its dictionary,
# .options and seed corpus zip. Test it locally with the variables OSS-Fuzz sets:
#   ci/clusterfuzzlite-build.sh
# The targets enter a private IPC + mount namespace at start (root, or a user namespace): a
# runner that allows neither makes them exit at once with a message saying so.
# SHMH_FUZZ_TARGETS="plugin_ops plugin_image" builds only those (a user's channel build:
# examples/clusterfuzzlite/build.sh calls this script).
src=${SRC}/shmharness
[ -d "$src" ] || src=$(cd "$(dirname "$0")/.." && pwd)
xxhash=${SRC}/xxhash
[ -f "$xxhash/xxhash.h" ] || xxhash=/usr/include

cmake -S "$src" -B "$WORK/shmh-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSHMH_BUILD_TESTS=OFF -DSHMH_BUILD_BENCH=OFF -DSHMH_BUILD_CLI=OFF \
  -DSHMH_XXHASH_INLINE=ON -DXXHASH_INCLUDE_DIR="$xxhash"
cmake --build "$WORK/shmh-build" --target shmh_core

# The targets: the names of fuzz/targets.tsv (the one list), or those SHMH_FUZZ_TARGETS names.
for target in ${SHMH_FUZZ_TARGETS:-$(grep -v '^#' "$src/fuzz/targets.tsv" | cut -f1)}; do
  $CXX $CXXFLAGS -std=c++20 -I"$src" -I"$xxhash" -DXXH_INLINE_ALL \
    "$src/fuzz/$target/$target.cc" -o "$OUT/$target" \
    $LIB_FUZZING_ENGINE "$WORK/shmh-build/core/libshmh_core.a" -ldl -lrt -lpthread
  cp "$src/fuzz/$target/$target.dict" "$src/fuzz/$target/$target.options" "$OUT/"
  rm -f "$OUT/${target}_seed_corpus.zip"
  (cd "$src/fuzz/$target/corpus" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
done
