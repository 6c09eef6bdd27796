#!/usr/bin/env bash
# Runs .clusterfuzzlite/build.sh here the way OSS-Fuzz runs it (the variables its base-builder
# sets for an ASan + libFuzzer build), then each built target for a few seconds from its seed
# corpus zip: proof that the OSS-Fuzz build works without Docker; then the same for the template a
# user copies to fuzz their channel (examples/clusterfuzzlite/). Needs clang, libclang-rt-dev, zip.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -n "${KEEP:-}" ] && trap - EXIT && echo "keeping $tmp"
mkdir -p "$tmp/out" "$tmp/work" "$tmp/src"
flags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
flags+=" -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
# OSS-Fuzz adds -stdlib=libc++ with its own clang and libc++-built libFuzzer; Debian's libFuzzer
# runtime is built against libstdc++, so here the targets link the system's C++ library.
env CC=clang CXX=clang++ CFLAGS="$flags" CXXFLAGS="$flags" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
  SRC="$tmp/src" OUT="$tmp/out" WORK="$tmp/work" SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64 \
  bash "$root/.clusterfuzzlite/build.sh" > "$tmp/build.log" 2>&1 || { tail -30 "$tmp/build.log"; exit 1; }
for target in $(grep -v '^#' fuzz/targets.tsv | cut -f1); do  # the one list of targets
  for f in "$target" "$target.dict" "$target.options" "${target}_seed_corpus.zip"; do
    [ -e "$tmp/out/$f" ] || { echo "clusterfuzzlite-build: \$OUT/$f missing" >&2; exit 1; }
  done
  mkdir -p "$tmp/corpus-$target"
  (cd "$tmp/corpus-$target" && unzip -q "$tmp/out/${target}_seed_corpus.zip")
  (cd "$tmp/out" && ./"$target" -dict="$target.dict" -max_total_time=5 "$tmp/corpus-$target" > "$tmp/$target.log" 2>&1) ||
    { tail -20 "$tmp/$target.log"; echo "clusterfuzzlite-build: $target failed" >&2; exit 1; }
  echo "clusterfuzzlite-build: $target built and ran: $(grep -o 'exec/s: [0-9]*' "$tmp/$target.log" | tail -1)"
done

# The template a user copies (examples/clusterfuzzlite/): the SPSC example plays the user's
# channel in a repository of its own; each target must load it from its <target>.channel file
# with no environment (an OSS-Fuzz runner passes none) and run from the seeds.
mkdir -p "$tmp/user/src/channel" "$tmp/user/out" "$tmp/user/work"
cp examples/spsc_ring/spsc_ring_channel.c "$tmp/user/src/channel/"
env CC=clang CXX=clang++ CFLAGS="$flags" CXXFLAGS="$flags" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
  SRC="$tmp/user/src" OUT="$tmp/user/out" WORK="$tmp/user/work" SANITIZER=address FUZZING_ENGINE=libfuzzer \
  ARCHITECTURE=x86_64 SHMH_SRC="$root" CHANNEL_NAME=spsc CHANNEL_SOURCES="$tmp/user/src/channel/spsc_ring_channel.c" \
  bash "$root/examples/clusterfuzzlite/build.sh" > "$tmp/user/build.log" 2>&1 ||
  { tail -30 "$tmp/user/build.log"; echo "clusterfuzzlite-build: the user template did not build" >&2; exit 1; }
for name in spsc_ops spsc_image; do
  mkdir -p "$tmp/user/corpus-$name"
  (cd "$tmp/user/corpus-$name" && unzip -q "$tmp/user/out/${name}_seed_corpus.zip")
  (cd "$tmp/user/out" && env -u SHMH_FUZZ_CHANNEL ./"$name" -dict="$name.dict" -max_total_time=5 \
    "$tmp/user/corpus-$name" > "$tmp/user/$name.log" 2>&1) ||
    { tail -20 "$tmp/user/$name.log"; echo "clusterfuzzlite-build: template target $name failed" >&2; exit 1; }
  grep -q "channel spsc-ring (.*libspsc.so)" "$tmp/user/$name.log" ||
    { head -20 "$tmp/user/$name.log"; echo "clusterfuzzlite-build: $name did not load the channel its .channel file names" >&2; exit 1; }
  echo "clusterfuzzlite-build: template $name fuzzed the user's channel: $(grep -o 'exec/s: [0-9]*' "$tmp/user/$name.log" | tail -1)"
done
