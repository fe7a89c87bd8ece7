#!/usr/bin/env bash
# golden_check.sh CHECK FORKSCOPE KERNEL WORKDIR ARGS...: the CTest checks of issue 6 (golden traces,
# `forkscope trace diff`, mutation checks, determinism), one per invocation; see golden.cmake.
#
#   golden SCENARIO             record SCENARIO as scenarios.txt says, diff against SCENARIO.fst: 0
#   determinism SCENARIO N      N recordings (other cwd, other image path) are byte-identical
#   refusals MUTATED_KERNEL     another build id / another format version / not a trace: exit 2
#   mutation NAME KERNEL        a deliberately changed kernel diverges at the expected instruction
#
# trace diff's options, reports and bad input are Catch2 cases: tests/cli/trace_diff_cli_test.cpp.
#
# Each failed expectation prints FAIL and what was seen; the script exits 1 if any failed.
set -u
check=$1 fs=$2 kernel=$3 work=$4
shift 4
golden=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$golden/scenarios.sh"  # scenario_words: a line of scenarios.txt into `args`, as data
# A fresh directory under WORKDIR for each run (two ctest runs in one build tree must not share
# files); removed when every check passed, kept for a look otherwise.
mkdir -p "$work" && work=$(mktemp -d "$work/run.XXXXXX") && cd "$work" || exit 1
fail=0
trap '[ $fail = 0 ] && rm -rf "$work"' EXIT
bad() {
  echo "FAIL: $*"
  fail=1
}

# scenario_args NAME: the `forkscope run` options of NAME in scenarios.txt, into the array `args`.
args=()
scenario_args() {
  local line
  line=$(grep -E "^$1[[:space:]]" "$golden/scenarios.txt") || {
    echo "no scenario $1 in $golden/scenarios.txt"
    exit 1
  }
  scenario_words "$golden" "$line" || exit 1
}

# record OUT IMAGE [run options...]: a recording; prints the guest's status.
record() {
  local out=$1 image=$2
  shift 2
  "$fs" run --quiet "$@" --trace "$out" "$image" >/dev/null 2>run.err
  echo $?
}

# diff_expect STATUS PATTERN ARGS...: `forkscope trace diff ARGS` exits STATUS and its stdout+stderr
# matches PATTERN (extended regex); the output is left in $out.
diff_expect() {
  local want=$1 pattern=$2
  shift 2
  out=$("$fs" trace diff "$@" 2>&1)
  local st=$?
  if [ "$st" != "$want" ]; then
    bad "trace diff $*: status $st, want $want"
    head -30 <<<"$out"
  elif ! grep -qE -- "$pattern" <<<"$out"; then
    bad "trace diff $*: no match for /$pattern/ in:"
    head -30 <<<"$out"
  fi
}

# json_field NAME: the first numeric "NAME":value of the JSON in $out.
json_field() { grep -oE "\"$1\":-?[0-9]+" <<<"$out" | head -1 | cut -d: -f2; }

# nth_seq TRACE SYMBOL N REGEX: the seq of the Nth execution (from 1) of an instruction in SYMBOL
# whose disassembly matches REGEX, from `trace dump` of TRACE.
nth_seq() {
  "$fs" trace dump "$1" --symbol "$2" | grep -E -- "$4" | sed -n "${3}p" | awk '{print $1}'
}

case $check in
golden)
  s=$1
  scenario_args "$s"
  st=$(record "$s.fst" "$kernel" "${args[@]}")
  [ "$st" = 0 ] || bad "$s: the scenario exited with $st ($(cat run.err))"
  # Status 2 here with "build id" means the kernel changed: if that was intended, re-record with
  # scripts/record-golden (tests/golden/README.md).
  diff_expect 0 "same machine history" "$golden/$s.fst" "$s.fst"
  if grep -q "different guest builds" <<<"$out"; then
    echo "hint: the kernel was rebuilt from changed sources; if that was intended, re-record with"
    echo "      scripts/record-golden $s and commit tests/golden/$s.fst (tests/golden/README.md)"
  fi
  # The same with every record decoded (not only the chunks whose bytes differ), on one thread.
  diff_expect 0 "same machine history" "$golden/$s.fst" "$s.fst" --decode-all --jobs 1
  ;;

determinism)
  s=$1 n=$2
  scenario_args "$s"
  # Half the runs from another directory, with the kernel copied elsewhere and another TZ: the
  # trace holds no host path, time or environment, so every file must be the same bytes.
  mkdir -p alt/cwd && cp "$kernel" alt/kernel.elf
  for i in $(seq 1 "$n"); do
    if [ $((i % 2)) = 0 ]; then
      st=$(cd alt/cwd && TZ=Asia/Tokyo record "$work/$s-$i.fst" ../kernel.elf "${args[@]}")
    else
      st=$(record "$s-$i.fst" "$kernel" "${args[@]}")
    fi
    [ "$st" = 0 ] || bad "$s run $i exited with $st"
    cmp -s "$s-1.fst" "$s-$i.fst" || bad "$s run $i differs from run 1: $(cmp "$s-1.fst" "$s-$i.fst")"
  done
  [ $fail = 0 ] && echo "$n recordings of $s: $(stat -c %s "$s-1.fst") bytes each, byte-identical"
  rm -f "$s"-*.fst
  ;;

refusals)
  mutated=$1
  scenario_args process1
  # A recording of another kernel build (one constant changed): refused, naming the build ids.
  st=$(record other.fst "$mutated" "${args[@]}")
  [ "$st" = 0 ] || bad "process1 on the mutated kernel exited with $st"
  diff_expect 2 "^forkscope: trace diff: .* different guest builds \(build id [0-9a-f]+ and [0-9a-f]+\)" \
    "$golden/process1.fst" other.fst
  [ "$(wc -l <<<"$out")" = 1 ] || bad "the build id refusal is not one line: $out"
  # A format version this build does not know (the header's u32 at offset 8 set to 4, the one after
  # this build's 3): refused, naming the version. (Version 2, without memory writes, still reads.)
  cp "$golden/process1.fst" v4.fst
  printf '\x04' | dd of=v4.fst bs=1 seek=8 conv=notrunc status=none
  diff_expect 2 "^forkscope: v4.fst: unsupported trace format version 4 \(this build reads versions 2 to 3\)$" \
    "$golden/process1.fst" v4.fst
  diff_expect 2 "unsupported trace format version 4" v4.fst "$golden/process1.fst"
  # Not a trace, no such file.
  diff_expect 2 "not a forkscope trace" "$golden/process1.fst" "$kernel"
  diff_expect 2 "nosuch.fst" "$golden/process1.fst" nosuch.fst
  ;;

mutation)
  # Each kernel variant is the normal kernel with one constant changed (golden.cmake); the code
  # layout is the same (the constants keep their encoding size), so the two runs are the same
  # instruction for instruction up to the first instruction the change affects, and the test finds
  # that instruction in the normal trace with `trace dump` and asserts diff names it: its seq, the
  # register that differs with both values, and the two instructions. The seqs observed when this
  # was written are in the comments; they move whenever the kernel before that point changes.
  name=$1 mutated=$2
  case $name in
  nice)
    # hog0 at nice 5 instead of 0 (-DSCHED_HOG0_NICE=5). sched_start_threads (inlined into
    # scenario_sched) loads t->nice for set_user_nice() once per thread: sleeper 0, hog+19 19, then
    # hog0, where the load is the first instruction whose result differs (EAX 0 vs 5).
    # Observed: seq 2104158, scenario_sched+0x11b, mov eax, dword ptr [ebx + 4].
    scenario_args sched
    opts=(--max-cycles 6000000 "${args[@]}")
    symbol=scenario_sched nth=3 insn="mov eax, dword ptr \[ebx \+ 4\]"
    reg=eax a=0 b=5 text_a=$insn text_b=$insn
    ;;
  timeslice)
    # MIN_TIMESLICE 10 instead of 5 (-DMIN_TIMESLICE=10): scale_prio()'s "t > MIN_TIMESLICE"
    # becomes cmp edx, 0xb instead of cmp edx, 6. Its first run is the sleeper's task_timeslice()
    # in sched_start_threads' printk (t = 100): the same branch either way, but the flags the cmp
    # leaves differ (100 - 6 and 100 - 11 differ in parity: EFLAGS 0x212 vs 0x216).
    # Observed: seq 2085758, scenario_sched+0x165.
    scenario_args sched
    opts=(--max-cycles 6000000 "${args[@]}")
    symbol=scenario_sched nth=1 insn="cmp e[a-d]x, 6 " reg=eflags a=530 b=534
    text_a="cmp e[a-d]x, 6" text_b="cmp e[a-d]x, 0xb"
    ;;
  eoi)
    # The specific EOI (OCW2 0x60 + irq) replaced by OCW2 "no operation" 0x40 (-DPIC_SPECIFIC_EOI=
    # 0x40): at the first timer interrupt (forkstorm, the first scenario with one), mask_and_ack_8259A
    # computes the command byte with add cl, 0x40 instead of add cl, 0x60: ECX 0x60 vs 0x40.
    # Observed: seq 495446, mask_and_ack_8259A+0x21.
    scenario_args forkstorm
    opts=(--max-cycles 2000000 "${args[@]}")
    symbol=mask_and_ack_8259A nth=1 insn="add [a-d]l, 0x60 " reg=ecx a=96 b=64
    text_a="add [a-d]l, 0x60" text_b="add [a-d]l, 0x40"
    ;;
  *)
    echo "no mutation $name"
    exit 1
    ;;
  esac
  st=$(record normal.fst "$kernel" "${opts[@]}")
  st2=$(record "$name.fst" "$mutated" "${opts[@]}")
  [ "$st" = "$st2" ] || echo "note: the normal kernel exited with $st, the mutated one with $st2"
  want=$(nth_seq normal.fst "$symbol" "$nth" "$insn")
  [ -n "$want" ] || bad "no execution $nth of /$insn/ in $symbol in the normal trace"
  # Without the option, another build is refused; with it, the report.
  diff_expect 2 "different guest builds" normal.fst "$name.fst"
  diff_expect 1 '"result":"diverged"' normal.fst "$name.fst" --allow-build-id-mismatch \
    --image-b "$mutated" --json
  got=$(json_field first_divergent_seq)
  [ "$got" = "$want" ] || bad "$name: first divergent seq $got, want $want"
  [ "$(json_field instructions_matched)" = "$want" ] || bad "$name: instructions_matched is not $want"
  grep -qE "\"differences\":\[\{\"what\":\"register\",\"register\":\"$reg\",\"when\":\"after\",\"a\":$a,\"b\":$b,\"a_hex\":\"0x[0-9a-f]{8}\",\"b_hex\":\"0x[0-9a-f]{8}\"\}" <<<"$out" ||
    bad "$name: the first difference is not $reg $a vs $b: $out"
  ctx_a=$(sed -E 's/.*"context":\{"a":\[(.*)\],"b":\[.*/\1/' <<<"$out")
  ctx_b=$(sed -E 's/.*"context":\{"a":\[.*\],"b":\[(.*)\]\},"ignoring".*/\1/' <<<"$out")
  divergent="\"divergent\":true,\"cpl\":0,\"eip\":[0-9]+,\"eip_hex\":\"0x[0-9a-f]{8}\",\"symbol\":\"$symbol\+0x[0-9a-f]+\",\"bytes\":\"[0-9a-f ]+\""
  grep -qE "$divergent,\"text\":\"$text_a\"" <<<"$ctx_a" ||
    bad "$name: A's divergent instruction is not /$text_a/ in $symbol"
  grep -qE "$divergent,\"text\":\"$text_b\"" <<<"$ctx_b" ||
    bad "$name: B's divergent instruction is not /$text_b/ in $symbol"
  # Five instructions before it in each trace.
  n=$(grep -oE '"divergent":false,"cpl"' <<<"$out" | wc -l)
  [ "$n" = 10 ] || bad "$name: $n context instructions, want 5 in each trace"
  # The text report says the same.
  diff_expect 1 "^first divergence at seq $want, cycle [0-9]+: $want instructions matched" \
    normal.fst "$name.fst" --allow-build-id-mismatch --image-b "$mutated"
  grep -qE "^  $reg after the instruction: 0x0*$(printf '%x' "$a") in A, 0x0*$(printf '%x' "$b") in B$" <<<"$out" ||
    bad "$name: the text report does not name $reg"
  grep -qE "^> +$want +[0-9]+ +[0-9]+ 0 $symbol\+0x[0-9a-f]+ " <<<"$out" || bad "$name: no > line at seq $want"
  echo "$name: first divergence at seq $want ($reg $a vs $b)"
  if [ "$name" = eoi ]; then
    # Leaving out the registers the command byte passes through, diff moves on to the OUT itself:
    # the port_io event's value. Leaving out port_io events too, to what the missing EOI does: the
    # next timer interrupt is delivered in A and not in B (the 8259A still has IRQ0 in service),
    # seen first as ESP after the instruction it follows (the frame pushed), then the delivery.
    m=(normal.fst eoi.fst --allow-build-id-mismatch --image-b "$mutated")
    diff_expect 1 '"differences":\[\{"what":"event_field","event":"port_io","field":"value","a":96,"b":64,"a_hex":"0x60","b_hex":"0x40"\}' \
      "${m[@]}" --ignore-reg ecx,eflags,eax --json
    [ "$(json_field first_divergent_seq)" -gt "$want" ] || bad "the port_io divergence is not after $want"
    diff_expect 1 "^  then, before seq [0-9]+, A has event delivery \(irq vector 0x20 " \
      "${m[@]}" --ignore-reg ecx,eflags,eax --ignore-event port_io
    grep -qE "^  esp after the instruction: " <<<"$out" || bad "eoi: no esp line: $out"
  fi
  ;;

*)
  echo "golden_check.sh: no check $check"
  exit 1
  ;;
esac
exit $fail
