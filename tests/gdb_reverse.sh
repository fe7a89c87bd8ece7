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
command -v gdb >/dev/null || { echo "gdb not installed: skipped"; exit 77; }
mkdir -p "$work" && cd "$work" || exit 1
rm -f console.txt stderr.txt gdb.txt
fail=0
check() {  # check NAME CONDITION-COMMAND...
  local name=$1; shift
  if ! "$@"; then echo "FAIL: $name"; fail=1; fi
}

timeout 120 "$fs" run --gdb 0 --snapshot-interval 20000 --cmdline init=forktest "$kernel" \
  > console.txt 2> stderr.txt &
fs_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^forkscope: waiting for gdb on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' stderr.txt)
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "FAIL: no 'waiting for gdb' line on stderr:"; cat stderr.txt
  kill $fs_pid 2>/dev/null; exit 1
fi

timeout 120 gdb -batch -nx "$kernel" -ex "target remote :$port" -ex 'break ret_from_fork' \
  -ex 'continue' -ex 'continue' -ex 'echo ==hit2==\n' -ex 'info registers' \
  -ex 'stepi 5' -ex 'echo ==A==\n' -ex 'info registers' -ex 'echo ==end==\n' \
  -ex 'stepi 5' -ex 'reverse-stepi 5' -ex 'echo ==B==\n' -ex 'info registers' -ex 'echo ==end==\n' \
  -ex 'reverse-continue' -ex 'echo ==C==\n' -ex 'info registers' -ex 'echo ==end==\n' \
  -ex 'reverse-continue' -ex 'echo ==D==\n' -ex 'info registers eip' \
  -ex 'reverse-continue' -ex 'echo ==E==\n' -ex 'info registers eip' \
  -ex 'delete' -ex 'break schedule_tail' -ex 'continue' -ex 'reverse-finish' \
  -ex 'echo ==F==\n' -ex 'info registers eip' \
  -ex 'delete' -ex 'continue' > gdb.txt 2>&1
gdb_st=$?
wait $fs_pid
fs_st=$?

section() { sed -n "/^==$1==\$/,/^==/p" gdb.txt | grep -v '^=='; }
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
check "gdb sees the guest exit normally" grep -q 'exited normally' gdb.txt
check "forkscope exits 0 (status $fs_st)" test $fs_st = 0
check "the console is forktest's, nothing twice" diff console.txt "$expected"
counts() { grep -oE '^  instructions [0-9]+  cycles [0-9]+' "$1"; }
timeout 120 "$fs" run --per-instruction --cmdline init=forktest "$kernel" > /dev/null 2> alone.txt
check "the same instructions and cycles as without gdb: $(counts stderr.txt)" \
  test -n "$(counts alone.txt)" -a "$(counts stderr.txt)" = "$(counts alone.txt)"
[ $fail = 0 ] || { echo "--- gdb:"; cat gdb.txt; echo "--- forkscope stderr:"; cat stderr.txt; }
exit $fail
