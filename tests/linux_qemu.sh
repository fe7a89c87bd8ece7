#!/usr/bin/env bash
# linux_qemu.sh BUILD_DIR: the QEMU peer of scripts/linux (issue 13): Debian's i386 Linux 6.1 with the
# initramfs of guest/linux/ under qemu-system-i386 -M isapc must print /init's lines
# (tests/linux/init.expected, every line starting "init:" or "hello:", in order) and end through
# isa-debug-exit with /init's 0 (QEMU's status 1). This holds the initramfs and /init to a real PC
# before forkscope boots them. Skipped (77) when QEMU is missing or the kernel package cannot be
# fetched (linux_prepare.sh fetches it once into build/linux/).
source "$(dirname "${BASH_SOURCE[0]}")/linux_common.sh"
out=$(FS_LINUX_NO_SETUP=1 FS_BUILD_DIR="$build" timeout 300 "$root/scripts/linux" --qemu 2>&1)
status=$?
[ "$status" = 77 ] && { echo "$out" | tail -3; echo "skipped: no QEMU or no kernel package"; exit 77; }
got=$(printf '%s\n' "$out" | tr -d '\r' | grep -E '^(init|hello): ')
if [ "$got" != "$(cat "$root/tests/linux/init.expected")" ]; then
  echo "FAIL: /init's lines under QEMU differ from tests/linux/init.expected:"
  diff <(printf '%s\n' "$got") "$root/tests/linux/init.expected"
  printf '%s\n' "$out" | tail -20
  exit 1
fi
if [ "$status" != 1 ]; then
  echo "FAIL: QEMU exited $status, not 1 (/init's 0 through isa-debug-exit)"
  printf '%s\n' "$out" | tail -20
  exit 1
fi
echo "PASS: /init's $(printf '%s\n' "$got" | wc -l) lines under QEMU, status 0"
