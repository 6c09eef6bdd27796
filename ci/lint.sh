#!/usr/bin/env bash
# Style and static checks: clang-format (no diff allowed) and clang-tidy (.clang-tidy, warnings are
# errors) over the project's sources, using the default preset's compile_commands.json.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t sources < <(git ls-files '*.cc' '*.h')
clang-format --dry-run --Werror "${sources[@]}"
echo "lint: clang-format clean (${#sources[@]} files)"

[ -f build/default/compile_commands.json ] || cmake --preset default >/dev/null
run-clang-tidy -quiet -p build/default -j "$(nproc)" "$(pwd)/(core|cli|stress|fuzz|bench|tests|report|examples)/.*\.cc$" \
  > build/clang-tidy.log 2>&1 || { grep -E "(warning|error):" build/clang-tidy.log | sort -u; echo "lint: clang-tidy found problems (full log: build/clang-tidy.log)"; exit 1; }
echo "lint: clang-tidy clean"
