#!/usr/bin/env bash
# gdb_reverse.sh FORKSCOPE KERNEL EXPECTED WORKDIR: reverse execution (docs/gdb.md "Reverse
# debugging") under a real gdb in batch mode, on `run --gdb 0 --cmdline init=forktest` with a
# snapshot every 20 000 instructions (so going back replays from a snapshot, not from the start):
# - after `stepi 5`, `stepi 5` then `reverse-stepi 5` is back with the same registers (`info
#   registers`, system registers included);
# - `reverse-continue` stops at the last hit of a breakpoint before, with the registers it had
#   there on the way forward; again at the hit before it; then at the start of history, where gdb
#   says "No more reverse-execution history";
# - `reverse-finish` from schedule_tail stops at its call in ret_from_fork;
# - continued to the end, the guest ends as without gdb: status 0, the console EXPECTED once (the
#   replays print nothing twice), the instruction and cycle counts of `run --per-instruction`.
# Every wait is bounded; no gdb: skipped (77).
set -u
fs=$1 kernel=$2 expected=$3 work=$4
source "$(dirname "${BASH_SOURCE[0]}")/gdb_common.sh"
gdb_workdir "$work" console.txt stderr.txt gdb.txt

serve console.txt stderr.txt run --gdb 0 --snapshot-interval 20000 --cmdline init=forktest "$kernel"
run_gdb "$kernel" gdb.txt 'break ret_from_fork' \
  'continue' 'continue' 'echo ==hit2==\n' 'info registers' \
  'stepi 5' 'echo ==A==\n' 'info registers' 'echo ==end==\n' \
  'stepi 5' 'reverse-stepi 5' 'echo ==B==\n' 'info registers' 'echo ==end==\n' \
  'reverse-continue' 'echo ==C==\n' 'info registers' 'echo ==end==\n' \
  'reverse-continue' 'echo ==D==\n' 'info registers eip' \
  'reverse-continue' 'echo ==E==\n' 'info registers eip' \
  'delete' 'break schedule_tail' 'continue' 'reverse-finish' \
  'echo ==F==\n' 'info registers eip' \
  'delete' 'continue'

eip_in() { section "$1" | sed -n 's/^eip  *0x\([0-9a-f]*\) .*/\1/p' | head -1; }
addr() { nm "$kernel" | awk -v s="$1" '$3 == s { print $1 }' | sed 's/^0*//'; }
rff=$(addr ret_from_fork) start=$(addr startup_32)
check "gdb exits 0 (status $gdb_st)" test $gdb_st = 0
check "gdb offers reverse execution (no 'Target ... does not support')" \
  bash -c "! grep -q 'does not support this command' gdb.txt"
check "info registers after stepi 5 is complete" test "$(section A | wc -l)" -ge 20
check "reverse-stepi 5 is back with the same registers" \
  test "$(section A)" = "$(section B)" -a -n "$(section A)"
check "reverse-continue stops at the last hit of ret_from_fork with its registers" \
  test "$(section C)" = "$(section hit2 | sed -n '/^eax/,$p' | head -n "$(section C | wc -l)")"
check "reverse-continue reports the breakpoint" \
  test "$(grep -c '^Breakpoint 1, ret_from_fork' gdb.txt)" = 4
check "the hit before is ret_from_fork too (0x$rff)" test "$(eip_in D)" = "$rff"
check "then gdb hears there is no more history" grep -q 'No more reverse-execution history' gdb.txt
check "and stands at the first instruction (0x$start)" test "$(eip_in E)" = "$start"
check "reverse-finish stops at the call in ret_from_fork" \
  grep -qE '^ret_from_fork \(\) at .*entry\.S:[0-9]+' gdb.txt
check "reverse-finish's EIP is the call (ret_from_fork+1)" \
  test "$(section F | sed -n 's/.*<\(.*\)>$/\1/p')" = "ret_from_fork+1"
ends_as_alone "$expected" --cmdline init=forktest "$kernel"  # the replays print nothing twice
finish stderr.txt
