#!/usr/bin/env bash
# gdb_remote.sh FORKSCOPE KERNEL EXPECTED SPIN_GUEST WORKDIR: `forkscope run --gdb 0` under a real
# gdb in batch mode, as a user attaches it: break at ret_from_fork, read EIP and the code there,
# CR0 by name (the target description) and the TSS (`monitor info tss`), stepi, delete the breakpoint and continue to the end. gdb must stop at the address nm gives, stepi
# must move to the next instruction, and the guest must end as without gdb: status 0, the console
# EXPECTED, the instruction and cycle counts of `run --per-instruction`. Then raw packets on the
# socket: ^C stops a spinning guest with SIGINT, `k` ends the run with status 130.
# Every wait is bounded, so a hang fails the test instead of blocking CI; no gdb: skipped (77).
set -u
fs=$1 kernel=$2 expected=$3 spin=$4 work=$5
source "$(dirname "${BASH_SOURCE[0]}")/gdb_common.sh"
gdb_workdir "$work" console.txt stderr.txt gdb.txt

# Port 0: forkscope takes a free port and names it on stderr, so parallel runs never collide.
serve console.txt stderr.txt run --gdb 0 --cmdline init=forktest "$kernel"

# Bad input while it waits: the same port again is one line and status 2.
err=$(timeout 10 "$fs" run --gdb "$port" "$kernel" 2>&1 >/dev/null); st=$?
check "a port in use is status 2 (got $st)" test $st = 2
check "a port in use is one line (got '$err')" test "$err" = \
  "forkscope: cannot listen for gdb on 127.0.0.1:$port: Address already in use"

run_gdb "$kernel" gdb.txt 'break ret_from_fork' 'continue' 'info registers eip' 'x/2i $pc' \
  'info registers cr0' 'monitor info tss' 'stepi' 'info registers eip' 'delete' 'continue'

rff=$(nm "$kernel" | awk '$3 == "ret_from_fork" { print $1 }' | sed 's/^0*//')
eips=$(sed -n 's/^eip  *0x\([0-9a-f]*\) .*/\1/p' gdb.txt)
next=$(grep -A1 '^=> 0x' gdb.txt | sed -n '2s/^ *0x\([0-9a-f]*\) .*/\1/p')
check "gdb exits 0 (status $gdb_st)" test $gdb_st = 0
check "gdb stops at ret_from_fork (0x$rff)" test "$(sed -n 1p <<<"$eips")" = "$rff"
check "x/2i shows ret_from_fork's code" grep -qE '^=> 0x0*'"$rff"' <ret_from_fork>:' gdb.txt
check "stepi moves to the next instruction (0x$next)" test -n "$next" -a "$(sed -n 2p <<<"$eips")" = "$next"
# The target description (qXfer:features:read) names CR0 and its flags; the monitor reads the TSS.
check "info registers cr0 shows PE and PG by name" grep -qE '^cr0 +0x8[0-9a-f]{7} +\[ PE .*PG \]' gdb.txt
check "monitor info tss shows TR (0x80) and esp0" grep -qE '^tr 0x0080 base 0x[0-9a-f]{8} ' gdb.txt
check "monitor info tss shows esp0" grep -qE '^  esp0 0x[0-9a-f]{8} ss0 0x0068 ' gdb.txt
ends_as_alone "$expected" --cmdline init=forktest "$kernel"

# ^C and kill over the socket itself (bash's /dev/tcp), on a guest that spins for ever.
timeout 60 "$fs" run --gdb 0 --max-cycles 100000000000 "$spin" > /dev/null 2> spin_stderr.txt &
spin_pid=$!
port=$(waits_on spin_stderr.txt)
if [ -n "$port" ] && exec 3<>/dev/tcp/127.0.0.1/"$port"; then
  printf '$c#63' >&3
  sleep 0.3
  printf '\003' >&3
  reply=
  read -r -t 10 -u 3 -d '#' reply
  check "^C stops the guest with SIGINT (got '$reply')" test "$reply" = '+$T02thread:01;'
  printf '+$k#6b' >&3
  exec 3>&-
else
  check "forkscope listens for the ^C test" false
fi
wait $spin_pid
spin_st=$?
check "k ends the run with status 130 (got $spin_st)" test $spin_st = 130
check "k is reported on stderr" grep -q '^forkscope: killed by gdb at 0008:' spin_stderr.txt
finish stderr.txt spin_stderr.txt
