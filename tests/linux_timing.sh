#!/usr/bin/env bash
# linux_timing.sh BUILD_DIR: the two timings on Debian's Linux 6.1 boot (issue 13, docs/machine.md
# "Fast mode and per-instruction mode"): scripts/linux in fast mode and the traced boot of the fixture
# (linux_record.sh: a trace is recorded in per-instruction mode) must agree on everything the run's
# summary counts (instructions, cycles, deliveries by vector, TLB flushes, HLTs, port accesses) and
# print the same console, byte for byte: the boot's interrupts land on the same instruction
# boundaries. The small guests hold the same in tests/timing_test.cpp; this is the real kernel's
# ~0.3 G instructions.
source "$(dirname "${BASH_SOURCE[0]}")/linux_common.sh"
need "$runs/boot.out" "$runs/boot.json"
boot_linux "$dir/fast" --summary-json "$dir/fast.json"
if ! cmp -s "$dir/fast.out" "$runs/boot.out"; then
  echo "FAIL: the two timings printed different consoles:"
  diff "$dir/fast.out" "$runs/boot.out" | head -10
  exit 1
fi
python3 - "$dir/fast.json" "$runs/boot.json" <<'PY'
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
