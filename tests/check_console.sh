#!/usr/bin/env bash
# check_console.sh EXPECTED_FILE STATUS -- COMMAND...: the command's stdout must equal EXPECTED_FILE and
# its exit status must be STATUS; on a mismatch, print the first differing line of each.
set -u
expected=$1 want=$2
shift 3
out=$("$@" 2>/tmp/check_console.$$)
got=$?
fail=0
if [ "$got" != "$want" ]; then echo "exit status $got, expected $want"; fail=1; fi
if ! diff <(printf '%s\n' "$out") "$expected" >/dev/null; then
  line=$(diff <(printf '%s\n' "$out") "$expected" | head -1)
  echo "console differs at $line:"
  diff <(printf '%s\n' "$out") "$expected" | sed -n '2,4p'
  fail=1
fi
[ $fail = 0 ] || { echo "--- stderr:"; cat /tmp/check_console.$$; }
rm -f /tmp/check_console.$$
exit $fail
