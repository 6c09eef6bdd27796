#!/usr/bin/env bash
# Detection power, as a user meets it: the default campaign with no option but the channel, twice
# per channel. Each test-only broken channel must be found with its finding kind in every run;
# each correct channel must pass every run. (tests/stress/broken_channel_test.cc checks the same
# in-process with a shorter watchdog; this is the CLI, unmodified.)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2}
broken=build/default/tests/stress
examples=build/default/examples
fuzz_broken=build/default/tests/fuzz
while read -r channel expect; do
  ci/broken-tally.sh "$channel" "$runs" --expect "$expect"
done <<LIST
$broken/libshmh_broken_steal-on-timeout.so lost,duplicated
$broken/libshmh_broken_zero-means-nothing.so lost
$broken/libshmh_broken_lost-wakeup.so lost-wakeup
$broken/libshmh_broken_pointer-in-shm.so peer-crash,corrupt
$broken/libshmh_broken_fragile-ring.so no-recovery
$broken/libshmh_broken_fragile-ring-declared.so pass
$fuzz_broken/libshmh_fuzz_broken_trusts-length.so peer-crash
$fuzz_broken/libshmh_fuzz_broken_returns-stored-length.so bad-answer
$examples/libshmh_example_spsc.so pass
$examples/libshmh_example_channel.so pass
pipe pass
LIST
