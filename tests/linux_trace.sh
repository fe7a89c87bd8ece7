#!/usr/bin/env bash
# linux_trace.sh BUILD_DIR: a traced boot of Debian's Linux 6.1 (scripts/linux --trace, issue 13 item
# 4) read back with the image's own kallsyms names: `trace inspect --ret-from-fork` finds /init's
# two forks (guest/linux/init.c) and kernel_init's way to user mode with every check PASS, the
# functions on their way and their irets named; README.md's Linux excerpt shows lines of this run.
# Skipped (77) when the kernel package cannot be fetched.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fs="$1/forkscope"
img="$1/linux/vmlinuz"
dir=$(mktemp -d "$1/linux_trace.XXXXXX")
trap 'rm -rf "$dir"' EXIT
FS_LINUX_NO_SETUP=1 FS_BUILD_DIR="$1" timeout 600 "$root/scripts/linux" --trace "$dir/t.fst" \
  >"$dir/out" 2>"$dir/err"
status=$?
[ "$status" = 77 ] && { tail -3 "$dir/err"; echo "skipped: the kernel package cannot be fetched"; exit 77; }
[ "$status" = 0 ] || { echo "FAIL: the traced boot exited $status"; tail -5 "$dir/out"; cat "$dir/err"; exit 1; }
if grep -q 'kallsyms' "$dir/err"; then echo "FAIL: run could not read the symbols:"; cat "$dir/err"; exit 1; fi

"$fs" trace inspect --ret-from-fork --image "$img" "$dir/t.fst" >"$dir/rff" 2>"$dir/rff.err"
status=$?
[ "$status" = 0 ] || { echo "FAIL: trace inspect --ret-from-fork exited $status"; cat "$dir/rff" "$dir/rff.err"; exit 1; }
forks=$(grep -c '^pid [0-9]*: forked by fork (int $0x80' "$dir/rff")
[ "$forks" = 2 ] || { echo "FAIL: $forks user forks, not /init's 2:"; cat "$dir/rff"; exit 1; }
grep -q ': kernel thread kernel_init$' "$dir/rff" || { echo "FAIL: no kernel_init to user mode:"; cat "$dir/rff"; exit 1; }
passes=$(grep -c '^  PASS ' "$dir/rff")
# Each fork: eax 0, the 5-word frame, the parent's registers; kernel_init: eax 0 and the frame.
[ "$passes" = 8 ] || { echo "FAIL: $passes checks PASS, not 8:"; cat "$dir/rff"; exit 1; }
grep -q 'path ([0-9]* instructions.*): ret_from_fork -> schedule_tail' "$dir/rff" ||
  { echo "FAIL: no path through schedule_tail:"; cat "$dir/rff"; exit 1; }

# Events are named from the kallsyms table too: the children's iret leaves restore_all_switch_stack.
grep -q '^  first iret to user mode: 5-word frame .* <restore_all_switch_stack+0x[0-9a-f]*> to 0073:' "$dir/rff" ||
  { echo "FAIL: the iret is not named restore_all_switch_stack:"; cat "$dir/rff"; exit 1; }
# README.md's Linux excerpt is this run's output (skipped with a note for another kernel package).
python3 "$root/tests/readme_linux.py" "$root/README.md" "$dir/t.fst" "$dir/out" "$dir/err" "$dir/rff" || exit 1
echo "PASS: $forks forks and kernel_init inspected ($passes checks PASS), named from kallsyms"
