#!/usr/bin/env bash
# linux_timing.sh BUILD_DIR: the two timings on Debian's Linux 6.1 boot (issue 13, docs/machine.md
# "Fast mode and per-instruction mode"): scripts/linux in fast mode and with --per-instruction must
# agree on everything the run's summary counts (instructions, cycles, deliveries by vector, TLB
# flushes, HLTs, port accesses) and print the same console, byte for byte: the boot's interrupts
# land on the same instruction boundaries. The small guests hold the same in tests/timing_test.cpp;
# this is the real kernel's ~0.3 G instructions. Skipped (77) when the kernel package cannot be
# fetched.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$(mktemp -d "$1/linux_timing.XXXXXX")
trap 'rm -rf "$dir"' EXIT
for mode in fast trace; do
  extra=()
  [ "$mode" = trace ] && extra=(--per-instruction)
  FS_LINUX_NO_SETUP=1 FS_BUILD_DIR="$1" timeout 600 "$root/scripts/linux" "${extra[@]}" \
    --summary-json "$dir/$mode.json" >"$dir/$mode.out" 2>"$dir/$mode.err"
  status=$?
  [ "$status" = 77 ] && { tail -3 "$dir/$mode.err"; echo "skipped: the kernel package cannot be fetched"; exit 77; }
  if [ "$status" != 0 ]; then
    echo "FAIL: the $mode boot exited $status, not /init's 0"
    tail -5 "$dir/$mode.out"; cat "$dir/$mode.err"
    exit 1
  fi
done
if ! cmp -s "$dir/fast.out" "$dir/trace.out"; then
  echo "FAIL: the two timings printed different consoles:"
  diff "$dir/fast.out" "$dir/trace.out" | head -10
  exit 1
fi
python3 - "$dir/fast.json" "$dir/trace.json" <<'PY'
import json, sys
fast, trace = (json.load(open(p)) for p in sys.argv[1:])
keys = ["stop_reason", "exit_status", "instructions", "cycles", "idle_cycles", "deliveries",
        "deliveries_by_vector", "hlts", "tlb_flushes", "unclaimed_port_reads",
        "unclaimed_port_writes", "console_bytes"]
bad = [k for k in keys if fast[k] != trace[k]]
for k in bad:
    print(f"FAIL: {k}: fast mode {fast[k]}, per-instruction {trace[k]}")
if bad:
    sys.exit(1)
print(f"PASS: fast and per-instruction boots agree: {fast['instructions']} instructions, "
      f"{fast['cycles']} cycles, {fast['deliveries']} deliveries, the same console")
PY
