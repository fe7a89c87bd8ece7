#!/usr/bin/env bash
# trace_tools_only.sh TOOLS FORKSCOPE TRACE: the trace tools linked alone (tests/trace_tools_only.cpp)
# print what `forkscope trace` prints for the same trace: stats, events and the first instructions.
set -euo pipefail
tools=$1 forkscope=$2 trace=$3
for cmd in "stats" "events" "dump --to 300"; do
  # shellcheck disable=SC2086 # $cmd is a subcommand and its options
  a=$("$tools" trace $cmd "$trace")
  # shellcheck disable=SC2086
  b=$("$forkscope" trace $cmd "$trace")
  [ -n "$a" ] || { echo "trace $cmd: the tools alone printed nothing"; exit 1; }
  [ "$a" = "$b" ] || { echo "trace $cmd: the tools alone differ from forkscope"; diff <(echo "$a") <(echo "$b") | head; exit 1; }
done
echo "trace stats, events and dump agree"
