#!/usr/bin/env bash
# linux_same_trace.sh BUILD_DIR: determinism on the real kernel (issue 13 item 5): a second traced boot
# of Debian's Linux 6.1 is the fixture's trace (linux_record.sh) byte for byte (every instruction, its
# registers and memory writes, every delivery, the same SHA-256) and prints the same console, the
# kernel's timestamps included (its clocks are forkscope's cycle clock).
source "$(dirname "${BASH_SOURCE[0]}")/linux_common.sh"
need "$runs/boot.fst" "$runs/boot.out"
boot_linux "$dir/again" --trace "$dir/again.fst"
if ! cmp -s "$dir/again.out" "$runs/boot.out"; then
  echo "FAIL: two boots printed different consoles:"
  diff "$runs/boot.out" "$dir/again.out" | head -10
  exit 1
fi
first=$(sha256sum <"$runs/boot.fst" | cut -d' ' -f1)
second=$(sha256sum <"$dir/again.fst" | cut -d' ' -f1)
if [ "$first" != "$second" ]; then
  echo "FAIL: two traced boots differ: $first and $second"
  "$fs" trace diff "$runs/boot.fst" "$dir/again.fst" | head -20
  exit 1
fi
echo "PASS: two traced boots, $(stat -c %s "$runs/boot.fst") bytes each, the same SHA-256 $first"
