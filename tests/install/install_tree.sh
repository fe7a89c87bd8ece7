#!/usr/bin/env bash
# install_tree.sh MODE BUILD EXPECTED WORK: installs BUILD with `cmake --install --prefix WORK/prefix`,
# checks the installed files, then from / (never the build tree):
#   installed  WORK/prefix/bin/forkscope run --quiet prints EXPECTED and exits 0 (the kernel from
#              share/forkscope, found through /proc/self/exe)
#   moved      the same after `mv WORK/prefix WORK/moved`: nothing in the tree names its prefix
#   alone      bin/forkscope copied alone to WORK/alone/bin: status 2 and one line naming the two
#              places it looked (beside it, guest/kernel.elf; ../share/forkscope/kernel.elf)
set -euo pipefail
mode=$1 build=$2 expected=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

fail=0
need() { [ -f "$prefix/$1" ] || { echo "not installed: $1"; fail=1; }; }
need bin/forkscope
need share/forkscope/kernel.elf
for elf in "$build"/guest/user/*.elf; do need "share/forkscope/user/$(basename "$elf")"; done
cmp "$build/guest/kernel.elf" "$prefix/share/forkscope/kernel.elf" || fail=1
# The man page is built when help2man is there (cmake/man_page.cmake); then it is installed, and it
# has every subcommand's options.
if [ -f "$build/forkscope.1.gz" ]; then
  need share/man/man1/forkscope.1.gz
  if [ -f "$prefix/share/man/man1/forkscope.1.gz" ]; then
    for s in "forkscope run" "forkscope trace diff"; do
      zgrep -q "^\.SS \"$s\"" "$prefix/share/man/man1/forkscope.1.gz" || { echo "man page: no section $s"; fail=1; }
    done
  fi
fi
[ $fail = 0 ] || exit 1

case $mode in
  installed) ;;
  moved)
    mv "$prefix" "$work/moved"
    prefix=$work/moved
    ;;
  alone)
    mkdir -p "$work/alone/bin"
    cp "$prefix/bin/forkscope" "$work/alone/bin/"
    cd /
    want="forkscope: no kernel image given and none found at $work/alone/bin/guest/kernel.elf or $work/alone/share/forkscope/kernel.elf: pass one (run IMAGE)"
    set +e
    err=$("$work/alone/bin/forkscope" run --quiet 2>&1 >/dev/null)
    got=$?
    set -e
    [ "$got" = 2 ] || { echo "exit status $got, expected 2"; fail=1; }
    [ "$err" = "$want" ] || { printf 'stderr:\n%s\nexpected:\n%s\n' "$err" "$want"; fail=1; }
    exit $fail
    ;;
  *) echo "install_tree.sh: unknown mode $mode"; exit 2 ;;
esac
cd /
"$here/../check_console.sh" "$expected" 0 -- "$prefix/bin/forkscope" run --quiet
