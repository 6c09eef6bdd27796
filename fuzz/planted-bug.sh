#!/usr/bin/env bash
# Plants a known bug in a test-only build (-DSHMH_PLANTED_BUG=...) and times how long the fuzzer
# takes to find it — a measure of how good a target is, not a test. Not run by CI.
#
#   fuzz/planted-bug.sh model-rmid-key          # sysv_api: the model keeps an IPC_RMID'd segment's key
#   fuzz/planted-bug.sh model-cow-truncate      # posix_api: the model keeps private copies past a truncate
#   fuzz/planted-bug.sh ring-toobig-edge        # channel_ops: the ring refuses an exact-fit buffer
#   fuzz/planted-bug.sh ring-uncounted-abandon  # channel_ops: a dead writer's slot skipped, not counted
#
# For each bug: the seconds until the first crash starting from an empty corpus (the search), and
# from the committed corpus (regression detection), with one libFuzzer job, up to LIMIT seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bug=${1:?usage: fuzz/planted-bug.sh model-rmid-key|model-cow-truncate|ring-toobig-edge|ring-uncounted-abandon [LIMIT_SECONDS]}
limit=${2:-600}
case "$bug" in
  model-rmid-key) target=sysv_api ;;
  model-cow-truncate) target=posix_api ;;
  ring-toobig-edge | ring-uncounted-abandon) target=channel_ops ;;
  *) echo "planted-bug.sh: unknown bug '$bug'; see the list at the top of $0" >&2; exit 2 ;;
esac
build="build/planted-$bug"
cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHMH_SANITIZE=asan-ubsan -DSHMH_FUZZ=ON \
  -DSHMH_BUILD_BENCH=OFF -DSHMH_PLANTED_BUG="$bug" > "$build.configure.log"
cmake --build "$build" --target "${target}_fuzzer" > "$build.build.log"
fuzzer="$root/$build/fuzz/${target}_fuzzer"
opts=(-max_total_time="$limit" -dict="$root/fuzz/$target/$target.dict" -max_len=1024 -timeout=10)

time_to_crash() {  # corpus dirs...; prints seconds (or "not found in $limit s")
  local work; work=$(mktemp -d)
  local start end; start=$(date +%s.%N)
  if (cd "$work" && "$fuzzer" "${opts[@]}" "$@" > "$work/log" 2>&1); then
    echo "not found in $limit s"
  else
    end=$(date +%s.%N)
    printf "%s s (%s)\n" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" \
      "$(grep -m1 -o 'disagree.*' "$work/log" | cut -c1-100 || true)"
  fi
  rm -rf "$work"
}

empty=$(mktemp -d)
echo "$bug ($target): from an empty corpus: $(time_to_crash "$empty")"
echo "$bug ($target): from the committed corpus: $(time_to_crash "$(mktemp -d)" "$root/fuzz/$target/corpus")"
rm -rf "$empty"
