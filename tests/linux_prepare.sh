#!/usr/bin/env bash
# linux_prepare.sh BUILD_DIR: the fixture every Linux test needs (tests/linux_common.sh): Debian's
# kernel package fetched into BUILD_DIR/linux once, guest/linux's initramfs built, and the previous
# run's fixture files gone. Skipped (77) when the package cannot be fetched; the tests that need it
# are skipped then too.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rm -rf "$1/linux/runs"
FS_LINUX_NO_SETUP=1 FS_BUILD_DIR="$1" timeout 600 "$root/scripts/linux" --prepare
status=$?
[ "$status" = 77 ] && { echo "skipped: the kernel package cannot be fetched"; exit 77; }
exit "$status"
