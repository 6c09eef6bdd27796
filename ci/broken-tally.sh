#!/usr/bin/env bash
# Runs the default stress campaign (no option but the channel) N times on a channel and prints, per
# run, the verdict and the finding kinds with their phases, then the tally: how many runs found
# something. The way to show that a check finds a bug class in every run, not by luck.
#   ci/broken-tally.sh build/default/tests/stress/libshmh_broken_steal-on-timeout.so 10
# With --expect, exits 1 unless every run met it: KIND[,KIND...] — the run failed with at least one
# of these kinds; pass — the run passed (a correct channel must not be flagged).
#   ci/broken-tally.sh build/default/tests/stress/libshmh_broken_lost-wakeup.so 2 --expect lost-wakeup
# Needs the default build (build/default/cli/shmharness).
set -euo pipefail
cd "$(dirname "$0")/.."
channel=${1:?usage: ci/broken-tally.sh CHANNEL [RUNS] [--expect KIND[,KIND...]|pass]}
runs=${2:-10}
expect=""
if [ "${3:-}" = "--expect" ]; then expect=${4:?--expect needs KIND[,KIND...] or pass}; fi
shmh=build/default/cli/shmharness
[ -x "$shmh" ] || { echo "broken-tally: $shmh not built; run: cmake --workflow --preset default" >&2; exit 2; }
found=0
met=0
for i in $(seq 1 "$runs"); do
  json=$(mktemp)
  set +e
  "$shmh" stress --channel "$channel" --quiet --json "$json" > /dev/null 2>&1
  code=$?
  set -e
  kinds=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(sorted({f["kind"]+"@"+f["phase"] for f in d["findings"]})) or "-", d["seed"])' "$json")
  ok=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); want = sys.argv[2]; code = int(sys.argv[3])
if want == "pass": print(1 if code == 0 else 0)
elif want == "": print(1)
else: print(1 if code == 1 and {f["kind"] for f in d["findings"]} & set(want.split(",")) else 0)' "$json" "$expect" "$code")
  rm -f "$json"
  echo "run $i: exit $code  $kinds"
  [ "$code" -eq 1 ] && found=$((found + 1))
  met=$((met + ok))
done
echo "broken-tally: $(basename "$channel"): found in $found of $runs runs${expect:+; expected $expect in $met of $runs}"
[ -z "$expect" ] || [ "$met" -eq "$runs" ]
