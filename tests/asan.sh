#!/usr/bin/env bash
# asan.sh SOURCE_DIR BUILD_DIR UNICORN_PREFIX KERNEL EXPECTED: the host code again under AddressSanitizer and
# UndefinedBehaviorSanitizer (issue 12: a heap over-read ran on every run for months unseen). Configures
# and builds BUILD_DIR with -fsanitize=address,undefined (host code only: the guests are freestanding
# clang -m32 images, built as usual), runs every unit and machine test (forkscope_tests) and one kernel
# scenario under the sanitized forkscope, whose console must still equal EXPECTED. Any sanitizer report
# fails the test (halt_on_error, and UBSan does not recover).
set -euo pipefail
src=$1 build=$2 unicorn=$3 kernel=$4 expected=$5
# -O1 -g1: ASan's recommended optimisation, line tables for its reports, and about half the compile
# time of the main tree's -O2 -g. GCC 12 reports -Wmaybe-uninitialized false positives in libstdc++'s
# <regex> (Catch2's header) once the sanitizers instrument it: that warning alone is not an error here.
flags="-O1 -g1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
flags="$flags -Wno-maybe-uninitialized"
# A build type of its own, so no -O2/-g from RelWithDebInfo's defaults are added to these.
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Sanitize \
      -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
      -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DFORKSCOPE_UNICORN_ROOT="$unicorn" \
      >/dev/null
start=$(date +%s)
# What the tests below run: the two host programs and the kernel image forkscope_tests boots (its
# small guests are dependencies of forkscope_tests); not the golden-trace kernel variants or benches.
cmake --build "$build" --target forkscope forkscope_tests guest_kernel -- -j2 |
  { grep -v -E '^\[[0-9]+/[0-9]+\]' || true; }
echo "asan: built in $(( $(date +%s) - start )) s"
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1
export LSAN_OPTIONS=suppressions=$src/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
start=$(date +%s)
"$build/forkscope_tests"
echo "asan: forkscope_tests in $(( $(date +%s) - start )) s"
start=$(date +%s)
out=$("$build/forkscope" run --quiet --cmdline "init=forktest" "$kernel")
diff <(printf '%s\n' "$out") "$expected"
echo "asan: init=forktest in $(( $(date +%s) - start )) s"
