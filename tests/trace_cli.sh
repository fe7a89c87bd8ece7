#!/usr/bin/env bash
# trace_cli.sh FORKSCOPE KERNEL MACHINE_GUESTS_DIR WORKDIR: `forkscope run --trace` and every
# `forkscope trace` subcommand on real recordings, as a user runs them. Each check prints what it
# expected on failure; the script fails if any does.
set -u
fs=$1 kernel=$2 guests=$3 work=$4
mkdir -p "$work" && cd "$work" || exit 1
fail=0
check() {  # check NAME CONDITION-COMMAND...
  local name=$1; shift
  if ! "$@"; then echo "FAIL: $name"; fail=1; fi
}
has() { grep -qE -- "$2" <<<"$1" || { echo "  no line matching /$2/ in:"; head -20 <<<"$1"; return 1; }; }
lines() { [ "$(grep -cE -- "$2" <<<"$1")" = "$3" ] || { echo "  want $3 lines matching /$2/, got $(grep -cE -- "$2" <<<"$1")"; return 1; }; }

# Recording: the console is the same as without --trace, the status is the guest's.
"$fs" run --quiet --cmdline init=process1 --trace p1.fst "$kernel" > console.txt
check "run --trace exits 0" test $? = 0
check "run --trace prints the console" grep -q "process1: pid 1 (init) parent 0" console.txt
"$fs" run --quiet --cmdline init=process1 --trace p1b.fst "$kernel" > /dev/null
check "two recordings are byte-identical" cmp -s p1.fst p1b.fst

# inspect --ret-from-fork: pid 1's creation, every invariant PASS (or n/a for a kernel thread).
out=$("$fs" trace inspect p1.fst --ret-from-fork); st=$?
check "inspect --ret-from-fork exits 0" test $st = 0
check "inspect: pid 1 forked by pid 0" has "$out" "^pid 1: forked by pid 0 .*CLONE_VM"
check "inspect: pt_regs eip is kernel_thread_helper" has "$out" "eip 0x[0-9a-f]+ <kernel_thread_helper>"
check "inspect: ebx is init" has "$out" "ebx 0x[0-9a-f]+ <init>"
check "inspect: 3-word iret into kernel_thread_helper" has "$out" "iret at seq [0-9]+ .*3-word frame .*<kernel_thread_helper>, CPL 0 -> 0"
check "inspect: four PASS" lines "$out" "^  PASS " 4
check "inspect: no FAIL" lines "$out" "FAIL" 0
out=$("$fs" trace inspect p1.fst --ret-from-fork --json)
check "inspect --json: one object, all checks" has "$out" '^\{"pid":1,.*"checks":\[\{"verdict":"PASS"'

# inspect --iret pairs each iret with what it ends.
out=$("$fs" trace inspect p1.fst --iret)
check "iret: ret_from_fork's iret has no delivery" has "$out" "ends ret_from_fork"
check "iret: the int 0x80's iret ends it" has "$out" "ends the delivery at seq [0-9]+: int vector 0x80"

# events and stats.
out=$("$fs" trace events p1.fst --kind fork,switch,ret_from_fork,iret)
check "events: 1 fork, 2 switches, 1 ret_from_fork, 2 irets" lines "$out" "." 6
check "events: the fork line" has "$out" "fork +pid 0 creates pid 1"
out=$("$fs" trace events p1.fst --kind switch --json)
check "events --json" has "$out" '^\{"seq":[0-9]+,"cycle":[0-9]+,"pid":0,"kind":"switch","prev_pid":0,"next_pid":1'
out=$("$fs" trace stats p1.fst)
check "stats: counts" has "$out" "switches 2  forks 1 "
check "stats: instructions" has "$out" "^instructions [0-9]+ "

# dump: a symbol filter and a count.
out=$("$fs" trace dump p1.fst --symbol ret_from_fork --count 5)
check "dump: 5 lines in ret_from_fork" lines "$out" " ret_from_fork(\+0x[0-9a-f]+)? " 5
check "dump: pid 1, CPL 0, push eax first" has "$out" "^ +[0-9]+ +[0-9]+ +1 0 ret_from_fork +[0-9a-f]{8}  50 +push eax +esp="

# User programs are told apart by the user_space events: a trace of init=isolation names and
# disassembles /sbin/init's code in pid 1, and isolation's in pid 2 once it has exec'd - two programs
# linked at the same address.
"$fs" run --quiet --cmdline init=isolation --trace iso.fst "$kernel" > /dev/null
out=$("$fs" trace dump iso.fst --cpl 3 --count 1)
check "user code: init's _start" has "$out" "^ +[0-9]+ +[0-9]+ +1 3 init:_start +08048000  31 ed +xor ebp, ebp"
out=$("$fs" trace dump iso.fst --pid 2 --cpl 3 --symbol isolation:_start --count 1)
check "user code: isolation's _start" has "$out" "^ +[0-9]+ +[0-9]+ +2 3 isolation:_start +08048000  31 ed +xor ebp, ebp"
out=$("$fs" trace events iso.fst --kind user_space)
check "user_space: /sbin/init after exec" has "$out" "pid 1 runs init in ring 3 on the address space at CR3 0x"
check "user_space: its child" has "$out" "pid 2 runs init in ring 3"
check "user_space: the same child after its exec" has "$out" "pid 2 runs isolation in ring 3"
check "user_space: isolation's child" has "$out" "pid 3 runs isolation in ring 3"
# A page fault names its address (CR2, from the handler's first instruction) and spells out its error
# code: isolation's child writing the global it shares copy-on-write with its parent.
out=$("$fs" trace events iso.fst --kind delivery --pid 3)
check "#PF: the copy-on-write fault on the shared global, with CR2" has "$out" \
  "exception #PF \\(vector 14\\) error 0x7 \\(present, write, user\\), CR2 0x0804a000 from 0073:[0-9a-f]{8} <isolation:main\\+0x[0-9a-f]+>"
out=$("$fs" trace stats iso.fst)
check "stats: per pid, the program, ring 3's share, system calls and page faults" has "$out" \
  "^  pid 3 +isolation +[0-9]+ instructions \\( *[0-9]+% in ring 3\\) +[0-9]+ cycles \\([0-9.]+%\\)  system calls [1-9][0-9]*  page faults [1-9]"
check "stats: pid 1 is /sbin/init" has "$out" "^  pid 1 +init "
out=$("$fs" trace events iso.fst --kind delivery --pid 3 --json)
check "#PF: cr2 in JSON" has "$out" '"vector":14,.*"cr2":134520832\}$'

# A ring-3 guest: the int 0x80 from user mode switches stacks and its iret pops 5 words.
"$fs" run --quiet --trace ring3.fst "$guests/syscall_ring3.elf" > /dev/null
out=$("$fs" trace events ring3.fst --image "$guests/syscall_ring3.elf" --kind delivery,iret)
check "ring3: stack switched to TSS.esp0" has "$out" "int vector 0x80 from 001b:.* stack switched to TSS.esp0 0x"
check "ring3: 5-word iret to CPL 3" has "$out" "5-word frame .* CPL 0 -> 3"

# Every subcommand explains itself.
for sub in dump events inspect stats; do
  check "trace $sub --help" "$fs" trace $sub --help >/dev/null
done
check "inspect --help names its questions" bash -c "'$fs' trace inspect --help | grep -q -- --ret-from-fork"

# Bad input: one line, status 2, never a crash.
bad() {  # bad NAME PATTERN ARGS...
  local name=$1 pattern=$2; shift 2
  local err; err=$("$fs" "$@" 2>&1 >/dev/null); local st=$?
  [ $st = 2 ] || { echo "FAIL: $name: status $st, want 2"; fail=1; }
  grep -qE -- "$pattern" <<<"$err" || { echo "FAIL: $name: stderr '$err' does not match /$pattern/"; fail=1; }
  [ "$(wc -l <<<"$err")" = 1 ] || { echo "FAIL: $name: more than one line: $err"; fail=1; }
}
bad "not a trace" "not a forkscope trace" trace stats "$kernel"
bad "missing file" "p0.fst" trace stats p0.fst
bad "unknown kind" "no event kind 'forks'" trace events p1.fst --kind forks
bad "wrong image" "different image" trace stats p1.fst --image "$guests/syscall_ring3.elf"
bad "inspect without a question" "--ret-from-fork or --iret" trace inspect p1.fst
# A flipped byte inside the first chunk's payload: the chunk is named.
cp p1.fst corrupt.fst
printf '\xff\xff\xff\xff' | dd of=corrupt.fst bs=1 seek=400 conv=notrunc status=none
bad "corrupt chunk" "corrupt chunk 0" trace stats corrupt.fst
# Cut half-way (a run killed mid-recording): a warning, then what is readable.
head -c 300000 p1.fst > cut.fst
err=$("$fs" trace stats cut.fst 2>&1 >/dev/null); st=$?
check "truncated: readable, status 0" test $st = 0
check "truncated: one warning line" has "$err" "^forkscope: warning: cut.fst: trace truncated after chunk [0-9]+ \(seq [0-9]+\)$"
exit $fail
