#!/usr/bin/env bash
# Runs the default stress campaign (no option but the channel) N times on a channel and prints, per
# run, the verdict and the finding kinds with their phases, then the tally: how many runs found
# something. The way to show that a check finds a bug class in every run, not by luck.
#   ci/broken-tally.sh build/default/tests/stress/libshmh_broken_steal-on-timeout.so 10
# Needs the default build (build/default/cli/shmharness).
set -euo pipefail
cd "$(dirname "$0")/.."
channel=${1:?usage: ci/broken-tally.sh CHANNEL [RUNS]}
runs=${2:-10}
shmh=build/default/cli/shmharness
[ -x "$shmh" ] || { echo "broken-tally: $shmh not built; run: cmake --workflow --preset default" >&2; exit 2; }
found=0
for i in $(seq 1 "$runs"); do
  json=$(mktemp)
  set +e
  "$shmh" stress --channel "$channel" --quiet --json "$json" > /dev/null 2>&1
  code=$?
  set -e
  kinds=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(sorted({f["kind"]+"@"+f["phase"] for f in d["findings"]})) or "-", d["seed"])' "$json")
  rm -f "$json"
  echo "run $i: exit $code  $kinds"
  [ "$code" -eq 1 ] && found=$((found + 1))
done
echo "broken-tally: $(basename "$channel"): found in $found of $runs runs"
