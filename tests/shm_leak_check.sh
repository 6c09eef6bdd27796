#!/usr/bin/env bash
# The suite's own leak check (LeakSanitizer never sees segments): `snapshot FILE` records the
# machine's System V segments and /dev/shm entries before the tests; `compare FILE` fails, listing
# them, if any appeared since. Wired as a ctest fixture around every test.
set -euo pipefail

list() {
  awk 'NR>1 {print "sysv key=" $1 " id=" $2}' /proc/sysvipc/shm | sort
  find /dev/shm -mindepth 1 -maxdepth 1 -printf 'posix %f\n' 2>/dev/null | sort
}

case "${1:-}" in
  snapshot) list > "$2"; echo "shm leak check: $(wc -l < "$2") pre-existing object(s) recorded" ;;
  compare)
    new=$(comm -13 "$2" <(list))
    if [ -n "$new" ]; then
      echo "shm leak check: the tests left these behind:"; echo "$new"
      echo "(inspect with: ipcs -m -p; ls -l /dev/shm)"
      exit 1
    fi
    echo "shm leak check: ipcs -m and /dev/shm are as the tests found them" ;;
  *) echo "usage: $0 snapshot|compare FILE" >&2; exit 2 ;;
esac
