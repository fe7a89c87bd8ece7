#!/usr/bin/env bash
# expect_status.sh STATUS PATTERN -- COMMAND...: runs COMMAND, requires exit status STATUS and a stderr
# line matching PATTERN (grep -E), and that stderr is not a crash (no "terminate called", no signal).
set -u
want=$1 pattern=$2
shift 3
err=$("$@" 2>&1 >/dev/null)
got=$?
fail=0
[ "$got" = "$want" ] || { echo "exit status $got, expected $want"; fail=1; }
grep -qE -- "$pattern" <<<"$err" || { echo "stderr does not match /$pattern/"; fail=1; }
grep -q "terminate called" <<<"$err" && { echo "crashed"; fail=1; }
[ $fail = 0 ] || { echo "--- stderr:"; echo "$err"; }
exit $fail
