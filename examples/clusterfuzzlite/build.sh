#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build for YOUR channel, fuzzed by shmharness's channel targets. Copy
# this file, Dockerfile and project.yaml into your repository's .clusterfuzzlite/, and
# cflite_pr.yml into .github/workflows/. Set CHANNEL_SOURCES (and CHANNEL_NAME) below to your
# channel's C sources; the Dockerfile puts your repository at $SRC/channel and shmharness at
# $SRC/shmharness.
#
# What lands in $OUT, for each of shmharness's channel targets (plugin_ops; plugin_image if your
# channel exposes its shared memory, ABI 2 shared_bytes):
#   ${CHANNEL_NAME}_ops, ${CHANNEL_NAME}_image      the targets, built with the engine's flags
#   <target>.channel                                 names the channel to load: OSS-Fuzz runners pass
#                                                    no environment, so the targets read this file
#   lib${CHANNEL_NAME}.so                            your channel, built with $CFLAGS (ASan and
#                                                    fuzzer-no-link: coverage and checks reach into it)
#   <target>.dict, <target>.options, <target>_seed_corpus.zip   shmharness's, plus your corpus/ if any
# Try it without Docker the way shmharness's CI does: ci/clusterfuzzlite-build.sh.
CHANNEL_NAME=${CHANNEL_NAME:-mychannel}
CHANNEL_SOURCES=${CHANNEL_SOURCES:-"$SRC/channel/mychannel.c"}
shmh=${SHMH_SRC:-$SRC/shmharness}

# shmharness's channel targets (its own .clusterfuzzlite/build.sh, told which targets).
SHMH_FUZZ_TARGETS="plugin_ops plugin_image" bash "$shmh/.clusterfuzzlite/build.sh"

# Your channel: a shared library exporting shmh_channel_entry, with the sanitizer and coverage flags.
# shellcheck disable=SC2086  # CFLAGS and CHANNEL_SOURCES are word lists
$CC $CFLAGS -shared -fPIC -I"$shmh/core/channel" $CHANNEL_SOURCES -o "$OUT/lib$CHANNEL_NAME.so"

for target in plugin_ops plugin_image; do
  name=${CHANNEL_NAME}_${target#plugin_}
  mv "$OUT/$target" "$OUT/$name"
  echo "lib$CHANNEL_NAME.so" > "$OUT/$name.channel"
  mv "$OUT/$target.dict" "$OUT/$name.dict"
  mv "$OUT/$target.options" "$OUT/$name.options"
  mv "$OUT/${target}_seed_corpus.zip" "$OUT/${name}_seed_corpus.zip"
  # Your own inputs (reproducers `shmharness fuzz channel` saved, a corpus you keep) join the seeds.
  if [ -d "$SRC/channel/fuzz/$target" ]; then
    (cd "$SRC/channel/fuzz/$target" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
  fi
done
