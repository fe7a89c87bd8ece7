#!/usr/bin/env bash
# gdb_watch.sh FORKSCOPE KERNEL WORKDIR: watchpoints and `jump` under a real gdb in batch mode, on
# `forkscope run --gdb 0 --cmdline init=forktest` (issue 14). `watch jiffies_union.j32` (jiffies
# itself is an untyped alias) from the first instruction (the boot's BSS clear stores 0 there: gdb
# sees no change and goes on by itself): two stops with the old and new values, each right after an
# instruction that stores to jiffies (objdump says which), `info breakpoints` counts 2 hits; an
# `rwatch` stops after a load; `awatch` and `watch` on the address, `watch` on the 8-byte union;
# then at `break do_timer` a `jump` over the increment to a temporary breakpoint stops there at
# once with jiffies unchanged, `stepi` runs one instruction, and the guest still ends normally.
# Every wait is bounded; no gdb: skipped (77).
set -u
fs=$1 kernel=$2 work=$3
source "$(dirname "${BASH_SOURCE[0]}")/gdb_common.sh"
command -v objdump >/dev/null || { echo "objdump not installed: skipped"; exit 77; }
gdb_workdir "$work" console.txt stderr.txt gdb.txt

jiffies=$(nm "$kernel" | awk '$3 == "jiffies" { print $1 }' | sed 's/^0*//')
# after_insns REGEX: the address after each instruction whose operands match REGEX (objdump -d).
after_insns() {
  objdump -d --no-show-raw-insn "$kernel" |
    awk -v re="$1" '/^ +[0-9a-f]+:/ { a = $1; sub(":", "", a); if (hit) print a; hit = ($0 ~ re) }'
}
stores=$(after_insns ",0x$jiffies\$")     # AT&T: the destination comes last
loads=$(after_insns "0x$jiffies,|(push|cmp|add|sub)[a-z]* +0x$jiffies\$")
# The store in do_timer (jiffies_64++), and where gdb's `break do_timer` lands (after the prologue).
timer_store=$(objdump -d --no-show-raw-insn "$kernel" | awk -v re=",0x$jiffies\$" '
  /<do_timer>:/ { in_f = 1; next } /^$/ { in_f = 0 }
  in_f && hit { sub(":", "", $1); print $1; exit } in_f { hit = ($0 ~ re) }')
in_list() { grep -qx "$1" <<<"$2"; }

serve console.txt stderr.txt run --gdb 0 --cmdline init=forktest "$kernel"
run_gdb "$kernel" gdb.txt \
  'watch jiffies_union.j32' 'continue' 'info registers eip' \
  'continue' 'info registers eip' 'info breakpoints' 'delete' \
  'rwatch jiffies_union.j32' 'continue' 'info registers eip' 'delete' \
  "awatch *(int *)0x$jiffies" 'continue' 'delete' \
  "watch *(int *)0x$jiffies" 'continue' 'delete' \
  'watch jiffies_union' 'continue' 'delete' \
  'break do_timer' 'continue' 'print/x jiffies_union.j32' "tbreak *0x$timer_store" \
  "jump *0x$timer_store" 'info registers eip' 'print/x jiffies_union.j32' \
  'stepi' 'info registers eip' 'delete' 'continue'

eips=$(sed -n 's/^eip  *0x\([0-9a-f]*\) .*/\1/p' gdb.txt)
eip() { sed -n "${1}p" <<<"$eips"; }
check "gdb exits 0 (status $gdb_st)" test $gdb_st = 0
check "gdb inserts the hardware watchpoint" grep -q '^Hardware watchpoint 1: jiffies_union.j32$' gdb.txt
check "the first stop: jiffies went from 0 to 1" \
  grep -qzP 'Hardware watchpoint 1: jiffies_union.j32\n\nOld value = 0\nNew value = 1\n' gdb.txt
check "the second stop: from 1 to 2" grep -qzP '\nOld value = 1\nNew value = 2\n' gdb.txt
check "both stop right after a store to jiffies ($(eip 1), $(eip 2); stores end at: $stores)" \
  eval 'in_list "$(eip 1)" "$stores" && in_list "$(eip 2)" "$stores"'
check "info breakpoints counts 2 hits" grep -q 'breakpoint already hit 2 times' gdb.txt
check "rwatch reports the value read" grep -qzP 'Hardware read watchpoint 2: jiffies_union.j32\n\nValue = 2\n' gdb.txt
check "rwatch stops right after a load of jiffies ($(eip 3))" in_list "$(eip 3)" "$loads"
check "awatch on the address stops" grep -qE '^Hardware access \(read/write\) watchpoint 3: \*\(int \*\)0x0*'"$jiffies"'$' gdb.txt
check "a watch on an address stops with its old and new value" \
  grep -qzP 'Hardware watchpoint 4: \*\(int \*\)0x0*'"$jiffies"'\n\nOld value = \d+\nNew value = \d+\n' gdb.txt
check "a watch on the 8-byte union stops with its old and new value" \
  grep -qzP 'Hardware watchpoint 5: jiffies_union\n\nOld value = ' gdb.txt
# jump: the temporary breakpoint at the target stops at once, the increment never ran.
before=$(sed -n 's/^\$1 = \(0x[0-9a-f]*\)$/\1/p' gdb.txt)
after=$(sed -n 's/^\$2 = \(0x[0-9a-f]*\)$/\1/p' gdb.txt)
check "jump stops at its target's breakpoint ($(eip 4) = $timer_store)" test "$(eip 4)" = "$timer_store"
check "the jumped-over increment never ran (jiffies $before, then $after)" \
  test -n "$before" -a "$before" = "$after"
check "stepi after the jump runs one instruction" \
  test "$(printf '%x' $((0x$(eip 4) + 1)))" = "$(eip 5)"
check "gdb sees the guest exit normally" grep -q 'exited normally' gdb.txt
check "forkscope exits 0 (status $fs_st)" test $fs_st = 0
check "the guest ran to its end" grep -q 'init: /bin/forktest (pid 2) exited with status 0' console.txt
finish stderr.txt
