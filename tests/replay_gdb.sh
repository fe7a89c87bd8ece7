#!/usr/bin/env bash
# replay_gdb.sh FORKSCOPE KERNEL OTHER_IMAGE WORKDIR: `forkscope replay TRACE --gdb PORT --at SEQ`
# under a real gdb. A forktest run is recorded; the first ring-3 instruction's sequence number is
# taken from `trace dump --cpl 3`; replay stops there: gdb sees that instruction's EIP, a ring-3
# CS, the task `trace dump` names, and after one stepi the register the trace says it wrote; one
# reverse-stepi goes back over it, one more to the kernel's iret (history reaches back before the
# stop). Continued, the run ends as recorded. --at-cycle (that instruction's cycle) stops at the
# same instruction; --at-symbol do_fork:2 at do_fork's first instruction in the task that forks
# second. Bad input is one line and status 2: an image of another build, --at past the trace's
# end, a missing trace, no --at* or two, an unknown symbol, a symbol reached fewer times, a cycle
# past the end. No gdb: skipped (77).
set -u
fs=$1 kernel=$2 other=$3 work=$4
source "$(dirname "${BASH_SOURCE[0]}")/gdb_common.sh"
gdb_workdir "$work" t.fst console.txt stderr.txt gdb.txt

timeout 120 "$fs" run --quiet --trace t.fst --cmdline init=forktest "$kernel" > recorded.txt || exit 1
first=$("$fs" trace dump t.fst --image "$kernel" --cpl 3 --count 2 --json)
seq=$(sed -n '1s/.*"seq":\([0-9]*\),.*/\1/p' <<<"$first")
cycle=$(sed -n '1s/.*"cycle":\([0-9]*\),.*/\1/p' <<<"$first")
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

# replay_at WHERE... -- GDB-COMMANDS...: replay stopped WHERE (--at-cycle N, --at-symbol S), gdb's
# output in gdb_at.txt; the run is killed from gdb.
replay_at() {
  local args=()
  while [ "$1" != -- ]; do
    args+=("$1")
    shift
  done
  shift
  rm -f stderr_at.txt
  serve /dev/null stderr_at.txt replay t.fst --image "$kernel" --gdb 0 "${args[@]}"
  run_gdb "$kernel" gdb_at.txt "$@" kill
}
replay_at --at-cycle "$cycle" -- 'echo ==at==\n' 'info registers eip cs'
check "--at-cycle $cycle stops at the instruction of that cycle (0x$eip)" \
  test "$(sed -n 's/^eip  *0x\([0-9a-f]*\) .*/\1/p' gdb_at.txt)" = "$eip"
# do_fork's second entry: its first instruction, and the task `trace dump` says runs it.
fork2=$("$fs" trace dump t.fst --image "$kernel" --symbol do_fork --json | grep '"symbol":"do_fork"' | sed -n 2p)
fork_eip=$(sed -n 's/.*"eip_hex":"0x0*\([0-9a-f]*\)".*/\1/p' <<<"$fork2")
fork_pid=$(sed -n 's/.*"pid":\([0-9]*\),.*/\1/p' <<<"$fork2")
check "the trace enters do_fork twice (eip '$fork_eip', pid '$fork_pid')" test -n "$fork_eip" -a -n "$fork_pid"
replay_at --at-symbol do_fork:2 -- 'info registers eip' 'monitor info task'
check "--at-symbol do_fork:2 stops at do_fork (0x$fork_eip)" \
  test "$(sed -n 's/^eip  *0x\([0-9a-f]*\) .*/\1/p' gdb_at.txt)" = "$fork_eip"
check "in the task that enters it second (pid $fork_pid)" grep -q "^pid $fork_pid comm " gdb_at.txt

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
bad "no --at" "^forkscope: replay: give exactly one of --at SEQ, --at-cycle N, --at-symbol NAME\[:N\]$" \
  t.fst --image "$kernel" --gdb 0
bad "--at and --at-cycle" "give exactly one of" t.fst --image "$kernel" --gdb 0 --at 5 --at-cycle 9
bad "an unknown symbol" "^forkscope: --at-symbol no_such_fn: no symbol 'no_such_fn' in " \
  t.fst --image "$kernel" --gdb 0 --at-symbol no_such_fn
bad "a symbol reached fewer times" "^forkscope: --at-symbol do_fork:100000: the trace reaches do_fork [0-9]+ times, not 100000$" \
  t.fst --image "$kernel" --gdb 0 --at-symbol do_fork:100000
bad "a bad count" "^forkscope: --at-symbol do_fork:0: N must be a whole number from 1$" \
  t.fst --image "$kernel" --gdb 0 --at-symbol do_fork:0
bad "a cycle past the end" "^forkscope: --at-cycle 999999999999: past the trace's end" \
  t.fst --image "$kernel" --gdb 0 --at-cycle 999999999999
finish stderr.txt stderr_at.txt
