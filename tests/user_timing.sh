#!/usr/bin/env bash
# user_timing.sh FORKSCOPE KERNEL EXPECTED_DIR PROGRAM...: each user program, started by /sbin/init with
# the console at "quiet" (only what the programs print, and the kernel's errors), must print exactly
# EXPECTED_DIR/PROGRAM.expected and end with status 0 at a 10 MHz, a 100 MHz and a 4 GHz CPU clock, and
# per instruction: time slices then run out at very different points of the programs, so this is what
# "the output does not depend on timing" means. tests/peer_qemu.sh holds QEMU to the same files.
set -u
forkscope=$1 kernel=$2 dir=$3
shift 3
fail=0
for p in "$@"; do
  for mode in "--cpu-mhz 10" "--cpu-mhz 100" "--cpu-mhz 4000" "--per-instruction"; do
    # shellcheck disable=SC2086  # $mode is two words on purpose
    out=$("$forkscope" run --quiet $mode --cmdline "init=/sbin/init quiet -- $p" "$kernel" 2>&1)
    status=$?
    if [ "$status" != 0 ] || ! diff <(printf '%s\n' "$out") "$dir/$p.expected" >/dev/null; then
      echo "$p ($mode): status $status, console differs from $dir/$p.expected:"
      diff <(printf '%s\n' "$out") "$dir/$p.expected" | head -6
      fail=1
    else
      echo "$p ($mode): same $(wc -l < "$dir/$p.expected") lines, status 0"
    fi
  done
done
exit $fail
