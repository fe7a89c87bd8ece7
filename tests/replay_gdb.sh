#!/usr/bin/env bash
# replay_gdb.sh FORKSCOPE KERNEL OTHER_IMAGE WORKDIR: `forkscope replay TRACE --gdb PORT --at SEQ`
# under a real gdb. A forktest run is recorded; the first ring-3 instruction's sequence number is
# taken from `trace dump --cpl 3`; replay stops there: gdb sees that instruction's EIP, a ring-3
# CS, the task `trace dump` names, and after one stepi the register the trace says it wrote; one
# reverse-stepi goes back over it, one more to the kernel's iret (history reaches back before the
# stop). Continued, the run ends as recorded. Bad input is one line and status 2: an image of
# another build, --at past the trace's end, a missing trace. No gdb: skipped (77).
set -u
fs=$1 kernel=$2 other=$3 work=$4
source "$(dirname "${BASH_SOURCE[0]}")/gdb_common.sh"
gdb_workdir "$work" t.fst console.txt stderr.txt gdb.txt

timeout 120 "$fs" run --quiet --trace t.fst --cmdline init=forktest "$kernel" > recorded.txt || exit 1
first=$("$fs" trace dump t.fst --image "$kernel" --cpl 3 --count 2 --json)
seq=$(sed -n '1s/.*"seq":\([0-9]*\),.*/\1/p' <<<"$first")
eip=$(sed -n '1s/.*"eip_hex":"0x0*\([0-9a-f]*\)".*/\1/p' <<<"$first")
pid=$(sed -n '1s/.*"pid":\([0-9]*\),.*/\1/p' <<<"$first")
eax_after=$(sed -n '2s/.*"changes":{[^}]*"eax":\([0-9]*\).*/\1/p' <<<"$first")
check "the trace has a ring-3 instruction (seq '$seq', eip '$eip')" test -n "$seq" -a -n "$eip"

serve console.txt stderr.txt replay t.fst --image "$kernel" --gdb 0 --at "$seq"
run_gdb "$kernel" gdb.txt \
  'echo ==at==\n' 'info registers eip cs' 'monitor info task' \
  'stepi' 'stepi' 'echo ==after==\n' 'info registers eax' \
  'reverse-stepi' 'reverse-stepi' 'echo ==back==\n' 'info registers eip' \
  'reverse-stepi' 'echo ==iret==\n' 'info registers eip cs' \
  'continue'

reg() { section "$1" | sed -n "s/^$2  *0x\([0-9a-f]*\) .*/\1/p" | head -1; }
check "gdb exits 0 (status $gdb_st)" test $gdb_st = 0
check "replay stops at the traced instruction (0x$eip)" test "$(reg at eip)" = "$eip"
check "in ring 3 (cs 0x73)" test "$(reg at cs)" = 73
check "in the task the trace names (pid $pid)" grep -q "^pid $pid comm " gdb.txt
check "the next instruction writes what the trace says (eax $eax_after)" \
  test -n "$eax_after" -a "$((16#$(reg after eax)))" = "$eax_after"
check "reverse-stepi goes back to it" test "$(reg back eip)" = "$eip"
check "and before it, to the kernel's iret (cs 0x60)" test "$(reg iret cs)" = 60
check "gdb sees the guest exit normally" grep -q 'exited normally' gdb.txt
check "forkscope exits 0 (status $fs_st)" test $fs_st = 0
check "the console is the recorded run's" diff console.txt recorded.txt

# Bad input: one line, status 2.
bad() {  # bad NAME EXPECTED-LINE-REGEX ARGS...
  local name=$1 want=$2; shift 2
  local out st
  out=$(timeout 30 "$fs" replay "$@" 2>&1 >/dev/null); st=$?
  check "$name: status 2 (got $st)" test $st = 2
  check "$name: one line matching '$want' (got '$out')" \
    bash -c '[ "$(wc -l <<<"$1")" = 1 ] && grep -qE "$2" <<<"$1"' _ "$out" "$want"
}
bad "an image of another build" "build ids differ" t.fst --image "$other" --gdb 0 --at 5
bad "--at past the end" "^forkscope: --at 999999999: the trace has [0-9]+ instructions" \
  t.fst --image "$kernel" --gdb 0 --at 999999999
bad "a missing trace" "^forkscope: nosuch.fst: cannot open" nosuch.fst --gdb 0 --at 5
finish stderr.txt
