#!/usr/bin/env bash
# Runs afl-fuzz on an AFL++ build of a target (fuzz/afl/build.sh) from its committed corpus, with
# its dictionary, for a time ("90s", "10m"). sysv_api and posix_api leave the IPC and mount
# namespaces at their first input (fuzz/common/deferred_init.h), after AFL++ has attached its
# coverage map, so afl-fuzz itself needs no namespace of its own. Findings: build/afl/out/<target>.
#
#   fuzz/afl/run.sh posix_api 10m
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: fuzz/afl/run.sh TARGET [TIME]}
time=${2:-60s}
seconds=$(( $(echo "$time" | sed 's/s$//; s/m$/*60/; s/h$/*3600/') ))
binary=build/afl/${target}_afl
[ -x "$binary" ] || { echo "afl/run.sh: $binary missing; run fuzz/afl/build.sh first" >&2; exit 2; }
out=build/afl/out/$target
rm -rf "$out"
mkdir -p "$out"
# -t: ms per input (a channel_ops input may wait and fork); AFL_SKIP_CPUFREQ/NO_AFFINITY: shared CI
# machines; ASan needs abort_on_error for AFL to see its reports as crashes.
AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0 \
  afl-fuzz -V "$seconds" -t 2000 -m none -i "fuzz/$target/corpus" -o "$out" -x "fuzz/$target/$target.dict" \
  -- "$binary" > "$out.log" 2>&1 || { tail -20 "$out.log"; exit 1; }
stats=$out/default/fuzzer_stats
echo "afl/run.sh: $target: $(grep -E '^(execs_per_sec|execs_done|corpus_count|saved_crashes|saved_hangs|bitmap_cvg)' "$stats" | tr -s ' ' | tr '\n' ' ')"
crashes=$(find "$out/default/crashes" -type f -name 'id:*' | wc -l)
[ "$crashes" -eq 0 ] || { echo "afl/run.sh: $crashes crash(es) in $out/default/crashes" >&2; exit 1; }
