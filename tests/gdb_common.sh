# gdb_common.sh: what the tests that drive a real gdb share (gdb_remote.sh, gdb_reverse.sh,
# gdb_watch.sh, gdb_reverse_watch.sh, replay_gdb.sh); sourced, after `set -u`. Every wait is bounded
# (timeout, a fixed number of polls), so a hang fails a test instead of blocking CI.

fail=0

# check NAME CONDITION-COMMAND...: FAIL: NAME (and the test fails) unless the command succeeds.
check() {
  local name=$1
  shift
  if ! "$@"; then
    echo "FAIL: $name"
    fail=1
  fi
}

# gdb_workdir DIR FILE...: skipped (exit 77) without gdb; else into DIR (made if need be), with
# FILE... of an earlier run removed.
gdb_workdir() {
  command -v gdb >/dev/null || { echo "gdb not installed: skipped"; exit 77; }
  mkdir -p "$1" && cd "$1" || exit 1
  shift
  rm -f "$@"
}

# waits_on FILE: the port forkscope names on stderr (FILE) once it listens for gdb (`--gdb 0`: a
# free port, so parallel runs never collide); empty if it does not within 10 s.
waits_on() {
  local port= _
  for _ in $(seq 100); do
    port=$(sed -n 's/^forkscope: waiting for gdb on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$1")
    [ -n "$port" ] && break
    sleep 0.1
  done
  echo "$port"
}

# serve OUT ERR FORKSCOPE-ARGS...: forkscope (as $fs) in the background, at most 120 s, stdout
# into OUT and stderr into ERR; sets fs_pid and, once it listens, port. When it never says it
# listens: FAIL with its stderr, and the test ends (status 1).
serve() {
  local out=$1 err=$2
  shift 2
  timeout 120 "$fs" "$@" >"$out" 2>"$err" &
  fs_pid=$!
  port=$(waits_on "$err")
  if [ -z "$port" ]; then
    echo "FAIL: no 'waiting for gdb' line on stderr:"
    cat "$err"
    kill "$fs_pid" 2>/dev/null
    exit 1
  fi
}

# run_gdb IMAGE OUT COMMAND...: gdb in batch mode on IMAGE, attached to :$port, running each
# COMMAND (one -ex each), at most 120 s, its output into OUT; then waits for forkscope. Sets gdb_st
# and fs_st (their exit statuses).
run_gdb() {
  local image=$1 out=$2 c
  shift 2
  local ex=()
  for c in "$@"; do ex+=(-ex "$c"); done
  timeout 120 gdb -batch -nx "$image" -ex "target remote :$port" "${ex[@]}" >"$out" 2>&1
  gdb_st=$?
  wait "$fs_pid"
  fs_st=$?
}

# section NAME: the lines of gdb.txt between `echo ==NAME==` and the next `==...==` marker.
section() { sed -n "/^==$1==\$/,/^==/p" gdb.txt | grep -v '^=='; }

# counts FILE: the "instructions N  cycles N" of forkscope's summary on stderr (FILE).
counts() { grep -oE '^  instructions [0-9]+  cycles [0-9]+' "$1"; }

# ends_as_alone EXPECTED FORKSCOPE-RUN-ARGS...: the guest run under gdb ended as it does without
# gdb: gdb saw it exit normally, forkscope exited 0, its console (console.txt) is EXPECTED, and the
# instruction and cycle counts of its summary (stderr.txt) are those of `run --per-instruction
# FORKSCOPE-RUN-ARGS...`.
ends_as_alone() {
  local expected=$1
  shift
  check "gdb sees the guest exit normally" grep -q 'exited normally' gdb.txt
  check "forkscope exits 0 (status $fs_st)" test "$fs_st" = 0
  check "the console is $(basename "$expected"), each line once" diff console.txt "$expected"
  timeout 120 "$fs" run --per-instruction "$@" >/dev/null 2>alone.txt
  check "the same instructions and cycles as without gdb: $(counts stderr.txt)" \
    test -n "$(counts alone.txt)" -a "$(counts stderr.txt)" = "$(counts alone.txt)"
}

# finish FILE...: when a check failed, gdb.txt and FILE... (forkscope's stderr) for a look; exits
# with the test's status.
finish() {
  if [ "$fail" != 0 ]; then
    echo "--- gdb:"
    cat gdb.txt
    echo "--- forkscope stderr:"
    cat "$@"
  fi
  exit "$fail"
}
