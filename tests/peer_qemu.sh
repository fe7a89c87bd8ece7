#!/usr/bin/env bash
# peer_qemu.sh KERNEL EXPECTED_DIR PROGRAM...: the same kernel image under QEMU (qemu-system-i386, 64 MiB,
# its multiboot loader, the serial console on stdout, isa-debug-exit on forkscope's port 0xf4) must
# print exactly what forkscope prints (EXPECTED_DIR/PROGRAM.expected, the files tests/user_timing.sh
# holds forkscope to) for each user program started by /sbin/init with "quiet", and exit with 0.
# QEMU's isa-debug-exit exits with (v << 1) | 1 for a guest write of v (this checks v = 0: QEMU's
# status 1; forkscope's is 0, docs/exit-status.md). Status 77 (CTest's skip) when
# QEMU is not installed: ./scripts/test installs it.
set -u
kernel=$1 dir=$2
shift 2
command -v qemu-system-i386 >/dev/null || { echo "qemu-system-i386 not installed: skipped"; exit 77; }
fail=0
for p in "$@"; do
  out=$(timeout 120 qemu-system-i386 -m 64 -kernel "$kernel" -append "init=/sbin/init quiet -- $p" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio -display none -monitor none \
        -no-reboot 2>&1)
  raw=$?
  if [ "$raw" = 124 ]; then status="timeout"
  elif [ $((raw & 1)) = 1 ]; then status=$((raw >> 1))
  else status="reset or error ($raw)"; fi
  if [ "$status" != 0 ] || ! diff <(printf '%s\n' "$out") "$dir/$p.expected" >/dev/null; then
    echo "$p: QEMU status $status, console differs from forkscope's $dir/$p.expected:"
    diff <(printf '%s\n' "$out") "$dir/$p.expected" | head -6
    fail=1
  else
    echo "$p: QEMU prints the same $(wc -l < "$dir/$p.expected") lines, status 0"
  fi
done
exit $fail
