#!/usr/bin/env bash
# linux_record.sh BUILD_DIR: the fixture of the Linux trace tests: one traced boot of Debian's Linux 6.1
# (scripts/linux --trace) into BUILD_DIR/linux/runs/: boot.fst, its console boot.out, its summary
# boot.err and boot.json. It must end with /init's 0. linux_timing.sh, linux_same_trace.sh and
# linux_trace.sh read it; "linux: the traced boot's files are removed" deletes them afterwards.
source "$(dirname "${BASH_SOURCE[0]}")/linux_common.sh"
mkdir -p "$runs"
boot_linux "$runs/boot" --trace "$runs/boot.fst" --summary-json "$runs/boot.json"
echo "PASS: a traced boot, $(grep -E '^  instructions ' "$runs/boot.err" | sed 's/  idle.*//' | xargs), in $runs"
