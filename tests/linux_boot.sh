#!/usr/bin/env bash
# linux_boot.sh BUILD_DIR: scripts/linux under forkscope (issue 13): Debian's unmodified i386 Linux 6.1
# boots to guest/linux's /init, which prints its lines (tests/linux/init.expected: the same file the
# QEMU peer, tests/linux_qemu.sh, is held to), forks, execs /bin/hello and ends the run with 0 through
# the debug-exit port. (Two boots being the same: linux_same_trace.sh, on whole traces.)
source "$(dirname "${BASH_SOURCE[0]}")/linux_common.sh"
boot_linux "$dir/boot"
grep -q '^\[    0.000000\] Linux version 6\.1\.' "$dir/boot.out" ||
  { echo "FAIL: no Linux 6.1 banner"; head -3 "$dir/boot.out"; exit 1; }
got=$(tr -d '\r' <"$dir/boot.out" | grep -E '^(init|hello): ')  # the tty's ONLCR: \r\n
if [ "$got" != "$(cat "$root/tests/linux/init.expected")" ]; then
  echo "FAIL: /init's lines differ from tests/linux/init.expected:"
  diff <(printf '%s\n' "$got") "$root/tests/linux/init.expected"
  exit 1
fi
echo "PASS: Linux 6.1 to /init and its $(printf '%s\n' "$got" | wc -l) lines," \
  "$(grep -E '^  instructions ' "$dir/boot.err" | sed 's/  idle.*//' | xargs)"
