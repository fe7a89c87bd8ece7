#!/usr/bin/env bash
# linux_boot.sh BUILD_DIR: scripts/linux under forkscope (issue 13): Debian's unmodified i386 Linux 6.1
# boots to guest/linux's /init, which prints its lines (tests/linux/init.expected: the same file the
# QEMU peer, tests/linux_qemu.sh, is held to), forks, execs /bin/hello and ends the run with 0 through
# the debug-exit port. Run twice: the console (the kernel's timestamps included: its clocks are
# forkscope's cycle clock) and the instruction and cycle counts must be identical. Skipped (77) when
# the kernel package cannot be fetched.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$(mktemp -d "$1/linux_boot.XXXXXX")
trap 'rm -rf "$dir"' EXIT
for run in 1 2; do
  FS_LINUX_NO_SETUP=1 FS_BUILD_DIR="$1" timeout 300 "$root/scripts/linux" >"$dir/out$run" 2>"$dir/err$run"
  status=$?
  [ "$status" = 77 ] && { tail -3 "$dir/err$run"; echo "skipped: the kernel package cannot be fetched"; exit 77; }
  if [ "$status" != 0 ]; then
    echo "FAIL: run $run exited $status, not /init's 0"
    tail -20 "$dir/out$run"; cat "$dir/err$run"
    exit 1
  fi
done
grep -q '^\[    0.000000\] Linux version 6\.1\.' "$dir/out1" || { echo "FAIL: no Linux 6.1 banner"; head -3 "$dir/out1"; exit 1; }
got=$(tr -d '\r' <"$dir/out1" | grep -E '^(init|hello): ')  # the tty's ONLCR: \r\n
if [ "$got" != "$(cat "$root/tests/linux/init.expected")" ]; then
  echo "FAIL: /init's lines differ from tests/linux/init.expected:"
  diff <(printf '%s\n' "$got") "$root/tests/linux/init.expected"
  exit 1
fi
if ! cmp -s "$dir/out1" "$dir/out2"; then
  echo "FAIL: two runs printed different consoles:"
  diff "$dir/out1" "$dir/out2" | head -10
  exit 1
fi
counts1=$(grep -E '^  instructions ' "$dir/err1" | sed 's/  idle.*//')
counts2=$(grep -E '^  instructions ' "$dir/err2" | sed 's/  idle.*//')
if [ -z "$counts1" ] || [ "$counts1" != "$counts2" ]; then
  echo "FAIL: two runs differ: '$counts1' and '$counts2'"
  exit 1
fi
echo "PASS: Linux 6.1 to /init and its $(printf '%s\n' "$got" | wc -l) lines, twice the same ($counts1)"
