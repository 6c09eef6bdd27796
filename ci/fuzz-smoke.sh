#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer, ASan + UBSan), replays every corpus and regression
# (ctest -L fuzz-regress), then runs each fuzz target for SHMH_FUZZ_SECONDS (default 30) from its
# corpus. New inputs go to a scratch directory, never into the committed corpus; a finding leaves
# its reproducer in build/fuzz/artifacts/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${SHMH_FUZZ_SECONDS:-30}"

cmake --workflow --preset fuzz

mkdir -p build/fuzz/artifacts
for options in fuzz/*/*.options; do
  dir=$(dirname "$options")
  target=$(basename "$dir")
  flags=()
  max_len=$(awk -F' *= *' '$1=="max_len"{print $2}' "$options")
  dict=$(awk -F' *= *' '$1=="dict"{print $2}' "$options")
  [ -n "$max_len" ] && flags+=("-max_len=$max_len")
  [ -n "$dict" ] && flags+=("-dict=$dir/$dict")
  scratch=$(mktemp -d)
  echo "=== fuzz ${target}: ${seconds} s ==="
  build/fuzz/fuzz/"${target}"_fuzzer -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix=build/fuzz/artifacts/"${target}"- "${flags[@]}" "$scratch" "$dir/corpus" 2>&1 |
    grep -E '^(#[0-9]+ +DONE|stat::|==[0-9]+==|SUMMARY|sysv_api:|INFO: Seed)' || true
  rm -rf "$scratch"
  if compgen -G "build/fuzz/artifacts/${target}-*" > /dev/null; then
    echo "fuzz ${target}: finding(s) in build/fuzz/artifacts/ — reproduce with build/fuzz/fuzz/${target}_fuzzer FILE"
    exit 1
  fi
done
echo "fuzz smoke: no finding"
