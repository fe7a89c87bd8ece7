# linux_common.sh: sourced by the tests of Debian's Linux 6.1 under forkscope (tests/linux_*.sh, issue 13),
# each called with the build tree as $1. CTest runs them around two fixtures (tests/CMakeLists.txt):
# linux_prepare.sh fetches the kernel and builds the initramfs (scripts/linux --prepare), and
# linux_record.sh records one traced boot into $runs, which the trace tests read. Sets:
#   root  the source tree          fs    the forkscope under test     img   the kernel image
#   runs  the fixtures' files      dir   a scratch directory of this test, removed at exit
# and defines boot_linux (below).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$1
fs="$build/forkscope"
img="$build/linux/vmlinuz"
runs="$build/linux/runs"
test_name=$(basename "$0" .sh)
dir=$(mktemp -d "$build/$test_name.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# The kernel package could not be fetched (the prepare fixture said why): skipped, not failed.
[ -f "$img" ] || { echo "skipped: no kernel package in $build/linux (see 'linux: ... are ready')"; exit 77; }

# boot_linux OUT [scripts/linux options...]: one boot, its console in OUT.out and its summary and
# errors in OUT.err. Returns when /init ended the run with 0; otherwise the test fails here (or is
# skipped, 77, when the kernel cannot be fetched).
boot_linux() {
  local out=$1 status
  shift
  FS_LINUX_NO_SETUP=1 FS_BUILD_DIR="$build" timeout 600 "$root/scripts/linux" "$@" >"$out.out" 2>"$out.err"
  status=$?
  [ "$status" = 77 ] && { tail -3 "$out.err"; echo "skipped: the kernel package cannot be fetched"; exit 77; }
  if [ "$status" != 0 ]; then
    echo "FAIL: scripts/linux $* exited $status, not /init's 0"
    tail -20 "$out.out"
    cat "$out.err"
    exit 1
  fi
}

# need FILE...: the fixture's files this test reads (missing: the fixture failed, and said why).
need() {
  local f
  for f in "$@"; do
    [ -f "$f" ] || { echo "FAIL: no $f: the traced boot's fixture ('linux: a traced boot ... recorded') failed"; exit 1; }
  done
}
