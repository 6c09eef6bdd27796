#!/usr/bin/env bash
# The installed `shmharness fuzz`, used with the checkout and its build trees out of sight: a copy of
# the install prefix in /tmp, and a private mount namespace that hides the checkout under an empty
# tmpfs (root: its own mount namespace; anyone else: a user namespace mapped to root; in a chroot,
# only the mount holding the checkout is made private, and where no mount inside the chroot holds
# it the checkout stays visible, saying so: a tmpfs over it would propagate out). It lists the
# targets from the prefix, replays a regression input through the installed binaries, says plainly
# that coverage needs a checkout, and — with --run, for a prefix that holds libFuzzer binaries (the
# fuzz preset's install) — runs a short campaign and a repro of one of its corpus inputs.
# Usage: installed_fuzz_test.sh <install prefix> <source dir> [--run]
set -euo pipefail
installed=$1 src=$2 run=${3:-}
prefix=$(mktemp -d /tmp/shmh-prefix-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cp -a "$installed/." "$prefix/"
# Propagation is set inside: in a chroot whose / is not a mount point, `/` cannot be made private
# (EINVAL), and only the mount that holds the checkout is.
unshare_flags=(--mount --propagation unchanged)
[ "$(id -u)" -eq 0 ] || unshare_flags+=(--map-root-user)
unshare "${unshare_flags[@]}" bash -euo pipefail -c '
  prefix=$1 src=$2 run=$3
  hide=1
  if ! mount --make-rprivate / 2>/dev/null; then
    holder=$(findmnt -n -o TARGET --target "$src" || true)
    if [ -n "$holder" ]; then
      mount --make-rprivate "$holder"
    else
      # A chroot (debootstrap, sbuild) whose checkout sits on a mount outside it: that mount cannot
      # be made private from here, so a tmpfs over the checkout would propagate to the host.
      echo "installed fuzz test: no mount visible in this chroot holds $src: it stays visible" >&2
      hide=0
    fi
  fi
  if [ "$hide" = 1 ]; then
    mount -t tmpfs -o size=1m shmh-hidden "$src"
    test ! -e "$src/fuzz/targets.tsv" || { echo "installed fuzz test: the checkout is still visible" >&2; exit 1; }
  fi
  cd /
  shmh="$prefix/bin/shmharness"
  data="$prefix/share/shmharness/fuzz"
  "$shmh" fuzz list > "$prefix/list.txt"
  grep -q "installed prefix $prefix" "$prefix/list.txt" || { cat "$prefix/list.txt" >&2; exit 1; }
  for t in $(ls "$data"); do grep -q "^$t " "$prefix/list.txt"; done
  regression=$(find "$data/channel_ops/regressions" -type f -printf "%f\n" -quit)  # no pipe: pipefail
  # Outputs go to files, then grep: `cmd | grep -q` can kill cmd with SIGPIPE under pipefail.
  "$shmh" fuzz repro channel_ops "$data/channel_ops/regressions/$regression" --out "$prefix/repro" \
    > "$prefix/repro.txt" 2> "$prefix/repro.err"
  grep -q passes "$prefix/repro.txt" || { cat "$prefix/repro.txt" "$prefix/repro.err" >&2; exit 1; }
  # A channel target: the installed plugin_ops corpus through a channel named on the command line.
  "$shmh" fuzz repro plugin_ops --with-corpus --channel ring --out "$prefix/repro-channel" \
    > "$prefix/repro3.txt" 2> "$prefix/repro3.err"
  grep -q ", 0 reproduce a finding" "$prefix/repro3.txt" || { cat "$prefix/repro3.txt" "$prefix/repro3.err" >&2; exit 1; }
  set +e
  "$shmh" fuzz coverage --out "$prefix/cov" 2> "$prefix/cov.err"
  code=$?
  set -e
  [ "$code" -eq 2 ] && grep -q "needs a checkout" "$prefix/cov.err" || { cat "$prefix/cov.err" >&2; exit 1; }
  if [ "$run" = --run ]; then
    "$shmh" fuzz run sysv_api --time 5s --out "$prefix/campaign" --json "$prefix/campaign.json" > "$prefix/run.txt" \
      || { cat "$prefix/run.txt" >&2; exit 1; }
    grep -q "\"name\": \"sysv_api\"" "$prefix/campaign.json"
    input=$(find "$data/sysv_api/corpus" -type f -printf "%f\n" -quit)
    "$shmh" fuzz repro sysv_api "$data/sysv_api/corpus/$input" --out "$prefix/repro" \
      > "$prefix/repro2.txt" 2> "$prefix/repro2.err"
    grep -q passes "$prefix/repro2.txt" || { cat "$prefix/repro2.txt" "$prefix/repro2.err" >&2; exit 1; }
    "$shmh" fuzz channel ring --time 5s --out "$prefix/channel" --json "$prefix/channel.json" > "$prefix/channel.txt" \
      || { cat "$prefix/channel.txt" >&2; exit 1; }
    grep -q "\"channel\": \"ring\"" "$prefix/channel.json"
    test -d "$prefix/channel/channel-ring/plugin_ops/corpus"
    echo "installed fuzz test: fuzz run, fuzz channel and fuzz repro worked from the prefix"
  fi
  where=hidden
  [ "$hide" = 1 ] || where="visible (see above)"
  echo "installed fuzz test: the installed fuzz CLI worked from its prefix with the checkout $where"
' shmh-installed-fuzz "$prefix" "$src" "$run"
