#!/usr/bin/env bash
# gdb_reverse_watch.sh FORKSCOPE KERNEL WORKDIR: reverse-continue honours watchpoints (issue 15,
# docs/gdb.md "Reverse debugging") under a real gdb in batch mode, on `run --gdb 0 --cmdline
# init=forktest` with a snapshot every 20 000 instructions. At the third ret_from_fork (three forks
# done), `watch total_forks` then `reverse-continue` stops at the last write to it before that
# point - the increment in do_fork, before it runs: gdb reports the watchpoint with the values the
# other way round and total_forks is one less; once more, two less, at the same instruction; a
# stepi from there runs the increment (one more again). Continued, the guest ends normally.
# Every wait is bounded (tests/gdb_common.sh); no gdb: skipped (77).
set -u
fs=$1 kernel=$2 work=$3
source "$(dirname "${BASH_SOURCE[0]}")/gdb_common.sh"
gdb_workdir "$work" console.txt stderr.txt gdb.txt

serve console.txt stderr.txt run --gdb 0 --snapshot-interval 20000 --cmdline init=forktest "$kernel"
run_gdb "$kernel" gdb.txt 'break ret_from_fork' 'continue' 'continue' 'continue' 'delete' \
  'echo ==now==\n' 'print total_forks' \
  'watch total_forks' \
  'reverse-continue' 'echo ==w1==\n' 'print total_forks' 'info registers eip' \
  'reverse-continue' 'echo ==w2==\n' 'print total_forks' 'info registers eip' \
  'delete' 'stepi' 'echo ==fwd==\n' 'print total_forks' 'echo ==end==\n' \
  'continue'

value() { section "$1" | sed -n 's/^\$[0-9]* = \([0-9]*\)$/\1/p' | head -1; }
eip_in() { section "$1" | sed -n 's/^eip  *0x\([0-9a-f]*\) .*/\1/p' | head -1; }
# The instruction that increments total_forks (objdump: an inc or add to its address).
tf=$(nm "$kernel" | awk '$3 == "total_forks" { print $1 }' | sed 's/^0*//')
inc=$(objdump -d --no-show-raw-insn "$kernel" | grep -E "^ +[0-9a-f]+:\s+(inc|add)l? .*0x$tf\b" |
  sed -n '1s/^ *\([0-9a-f]*\):.*/\1/p')
now=$(value now) w1=$(value w1) w2=$(value w2) fwd=$(value fwd)
check "gdb exits 0 (status $gdb_st)" test $gdb_st = 0
check "objdump finds the increment of total_forks (0x$tf at '$inc')" test -n "$inc"
check "three forks before the third ret_from_fork (total_forks '$now')" test "$now" = 3
check "reverse-continue stops at the last write: one fork less (got '$w1')" test "$w1" = 2
check "gdb names the watchpoint, values the other way round" \
  grep -Pzq 'Hardware watchpoint 2: total_forks\n\nOld value = 3\nNew value = 2\n' gdb.txt
check "at do_fork's increment of total_forks (got '$(eip_in w1)')" test "$(eip_in w1)" = "$inc"
check "again: the write before (got '$w2')" test "$w2" = 1
check "at the same instruction" test "$(eip_in w2)" = "$(eip_in w1)"
check "a stepi from there runs the write (got '$fwd')" test "$fwd" = 2
check "gdb sees the guest exit normally" grep -q 'exited normally' gdb.txt
check "forkscope exits 0 (status $fs_st)" test $fs_st = 0
finish stderr.txt
