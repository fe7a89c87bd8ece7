#!/usr/bin/env bash
# peer_qemu.sh IMAGE_DIR EXPECTED_DIR NAME...: each conformance kernel IMAGE_DIR/NAME.elf under QEMU
# (qemu-system-i386 -kernel, its multiboot loader, COM1 on stdout, isa-debug-exit on forkscope's port
# 0xf4) must print EXPECTED_DIR/NAME.expected - forkscope's lines - or NAME.qemu.expected where the
# two deliberately differ (docs/conformance.md), and exit with that file's number of FAIL lines.
# QEMU's isa-debug-exit exits with (v << 1) | 1 for a guest write of v. Status 77 (CTest's skip)
# when QEMU is not installed: ./scripts/test installs it.
set -u
images=$1 dir=$2
shift 2
command -v qemu-system-i386 >/dev/null || { echo "qemu-system-i386 not installed: skipped"; exit 77; }
fail=0
for k in "$@"; do
  expected=$dir/$k.expected
  [ -f "$dir/$k.qemu.expected" ] && expected=$dir/$k.qemu.expected
  want=$(grep -c '^FAIL' "$expected")
  # QEMU may drop the last newline when the guest exits: compare lines, as check_console.sh does.
  out=$(timeout 60 qemu-system-i386 -m 64 -kernel "$images/$k.elf" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio -display none -monitor none \
        -no-reboot 2>&1)
  raw=$?
  if [ "$raw" = 124 ]; then status="timeout"
  elif [ $((raw & 1)) = 1 ]; then status=$((raw >> 1))
  else status="reset or error ($raw)"; fi
  if [ "$status" != "$want" ] || ! diff <(printf '%s\n' "$out") "$expected" >/dev/null; then
    echo "$k: QEMU status $status (want $want), console differs from $expected:"
    diff <(printf '%s\n' "$out") "$expected" | head -6
    fail=1
  else
    echo "$k: QEMU prints the same $(wc -l < "$expected") lines, status $status"
  fi
done
exit $fail
