#!/usr/bin/env bash
# asan.sh: the host code again under AddressSanitizer and UndefinedBehaviorSanitizer (issue 12: a heap
# over-read ran on every run for months unseen), in three steps that CTest runs as a fixture
# (tests/CMakeLists.txt), so the sanitized unit tests share the machine's cores with the rest of the suite:
#   asan.sh build SOURCE_DIR BUILD_DIR UNICORN_PREFIX   configure and build BUILD_DIR sanitized
#   asan.sh part BUILD_DIR K N                          run forkscope_tests' tests K, K+N, K+2N... (1-based)
#   asan.sh kernel BUILD_DIR KERNEL EXPECTED            one kernel scenario, its console equal to EXPECTED
# Host code only: the guests are freestanding clang -m32 images, built as usual. Any sanitizer report
# fails the step (halt_on_error, and UBSan does not recover).
set -euo pipefail
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export LSAN_OPTIONS=suppressions=$src/tests/lsan.supp:print_suppressions=0

build() {
  local src=$1 build=$2 unicorn=$3
  # -O1 -g1: ASan's recommended optimisation, line tables for its reports, and about half the compile
  # time of the main tree's -O2 -g (tests/CMakeLists.txt compiles the test files themselves at -O0 in
  # this build type: they are Catch2-heavy, slow to optimise, and their speed does not matter). GCC 12
  # reports -Wmaybe-uninitialized false positives in libstdc++'s <regex> (Catch2's header) once the
  # sanitizers instrument it: that warning alone is not an error here.
  local flags="-O1 -g1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  flags="$flags -Wno-maybe-uninitialized"
  # A build type of its own, so no -O2/-g from RelWithDebInfo's defaults are added to these.
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize \
        -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
        -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DFORKSCOPE_UNICORN_ROOT="$unicorn" \
        >/dev/null
  local start=$(date +%s)
  # What the steps below run: the two host programs and the kernel image forkscope_tests boots (its
  # small guests are dependencies of forkscope_tests); not the golden-trace kernel variants or benches.
  cmake --build "$build" --target forkscope forkscope_tests guest_kernel -- -j2 |
    { grep -v -E '^\[[0-9]+/[0-9]+\]' || true; }
  echo "asan: built in $(($(date +%s) - start)) s"
}

# Every Nth test from the Kth, by the names Catch2 lists, into a file for its --input-file: there a
# name's ',' '[' ']' '*' and '\' are test-spec syntax, escaped with '\'. The tests tagged [slow] (a
# few take a third of the time) are dealt out first, so each part has its share of them.
part() {
  local build=$1 k=$2 n=$3
  list=$(mktemp "$build/asan_part$k.XXXXXX")  # global: the EXIT trap runs after part() returned
  trap 'rm -f "$list"' EXIT
  # (Catch2 2.x's --list-test-names-only exits with the number of tests listed: not a failure.)
  { "$build/forkscope_tests" --list-test-names-only "[slow]" || true
    "$build/forkscope_tests" --list-test-names-only "~[slow]" || true; } | sed '/^$/d' |
    awk -v k="$k" -v n="$n" '(NR - k) % n == 0' | sed 's/\([][*\\,]\)/\\\1/g' >"$list"
  [ -s "$list" ] || { echo "asan: part $k of $n has no tests"; exit 1; }
  local start=$(date +%s)
  "$build/forkscope_tests" --warn NoTests -f "$list"
  echo "asan: $(wc -l <"$list") tests, part $k of $n, in $(($(date +%s) - start)) s"
}

kernel() {
  local build=$1 kernel=$2 expected=$3 out
  out=$("$build/forkscope" run --quiet --cmdline "init=forktest" "$kernel")
  diff <(printf '%s\n' "$out") "$expected"
  echo "asan: init=forktest's console is $expected"
}

step=$1
shift
case "$step" in
  build | part | kernel) "$step" "$@" ;;
  *) echo "asan.sh: unknown step '$step' (build, part or kernel)" >&2; exit 2 ;;
esac
