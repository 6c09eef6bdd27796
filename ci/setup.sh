#!/usr/bin/env bash
# Installs the Debian packages shmharness needs to build, test, fuzz and benchmark — only those
# that are absent, so a second run does nothing. Root installs; anyone else is told what to run.
set -euo pipefail

packages=(
  cmake ninja-build g++ clang llvm libclang-rt-dev  # compilers, libFuzzer/sanitizer runtimes, llvm-cov
  clang-format clang-tidy-22                        # style checks (clang-tidy 22: ci/lint.sh says why)
  libgtest-dev libgmock-dev libbenchmark-dev        # tests, benchmarks
  libcli11-dev libfmt-dev nlohmann-json3-dev        # CLI parsing, message formatting, JSON reports
  libxxhash-dev libboost-dev                        # message checksums, Boost.Interprocess adapter
  util-linux procps                                 # ipcs, unshare, ps: used by tests and leak checks
  zip unzip                                         # seed corpus zips of the OSS-Fuzz build
  stress-ng                                         # benchmark baseline only (bench/stress_bench)
  libjs-chart.js                                    # the --html reports' charts (inlined into the page)
  chromium                                          # tests open the --html reports headless
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 2
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Refresh the index only when an install fails on it (a fresh machine has an empty or old list).
if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
