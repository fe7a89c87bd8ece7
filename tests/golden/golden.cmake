# Golden traces and trace diff (issue 6), included from tests/CMakeLists.txt. tests/golden/README.md
# says what the golden traces are and when to re-record them (scripts/record-golden).
#
#   golden: <scenario>           a fresh recording is the same machine history as tests/golden/<s>.fst
#   golden: refusals             another build id, another format version: exit 2 naming it
#   golden: deterministic <s>    N recordings of a scenario are byte-identical files
#   mutation: <m>                a kernel changed on purpose diverges where it must (seq, what)
#   (trace diff's options, JSON, report contents and bad input: tests/cli/trace_diff_cli_test.cpp)
set(GOLDEN_DIR ${CMAKE_CURRENT_SOURCE_DIR}/golden)
set(GOLDEN_WORK ${CMAKE_CURRENT_BINARY_DIR}/golden)
set(GOLDEN_CHECK ${GOLDEN_DIR}/golden_check.sh)

# Kernel variants with one deliberate change each, built from the kernel's own source list
# (guest/kernel.cmake, read here so that the two stay the same) with one extra -D.
file(READ ${CMAKE_SOURCE_DIR}/guest/kernel.cmake FS_KERNEL_CMAKE)
string(REGEX MATCHALL "\\\${FS_GUEST}/[A-Za-z0-9_./-]+\\.[cS]" FS_KERNEL_SOURCES "${FS_KERNEL_CMAKE}")
list(TRANSFORM FS_KERNEL_SOURCES REPLACE "\\\${FS_GUEST}" "${CMAKE_SOURCE_DIR}/guest")
set(FS_MUTATIONS
  "nice:-DSCHED_HOG0_NICE=5"      # the sched scenario's hog0 at nice 5 instead of 0
  "timeslice:-DMIN_TIMESLICE=10"  # the scheduler's minimum time slice 10 ticks instead of 5
  "eoi:-DPIC_SPECIFIC_EOI=0x40")  # mask_and_ack_8259A sends OCW2 "no operation", not the EOI
foreach(mut ${FS_MUTATIONS})
  string(REPLACE ":" ";" mut ${mut})
  list(GET mut 0 name)
  list(GET mut 1 define)
  forkscope_guest_image(NAME golden_kernel_${name} OUTPUT ${GOLDEN_WORK}/kernel-${name}.elf
    LINKER_SCRIPT ${CMAKE_SOURCE_DIR}/guest/arch/i386/kernel.ld
    SOURCES ${FS_KERNEL_SOURCES}
    INCLUDES ${CMAKE_SOURCE_DIR}/guest/include
    DEFINES -fmacro-prefix-map=${CMAKE_SOURCE_DIR}/guest/= ${define})
endforeach()

# A test tool: rewrites a trace's records with another zstd level or chunk size, or with one event
# dropped or one frame word changed (tests/cli/trace_diff_cli_test.cpp, trace_cli_test.cpp).
add_executable(trace_rewrite ${GOLDEN_DIR}/trace_rewrite.cpp)
target_link_libraries(trace_rewrite PRIVATE fs_trace)
target_include_directories(trace_rewrite PRIVATE ${CMAKE_SOURCE_DIR})
set_target_properties(trace_rewrite PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${GOLDEN_WORK})
# tests/cli/trace_cli_test.cpp makes known divergences with it too.
target_compile_definitions(forkscope_tests PRIVATE FS_TRACE_REWRITE="$<TARGET_FILE:trace_rewrite>")
add_dependencies(forkscope_tests trace_rewrite)

set(FS $<TARGET_FILE:forkscope>)
set(FS_KERNEL ${CMAKE_BINARY_DIR}/guest/kernel.elf)
# The scenarios with a golden trace: the first word of each line of scenarios.txt (add a line there
# and run scripts/record-golden NAME to add one).
file(STRINGS ${GOLDEN_DIR}/scenarios.txt GOLDEN_LINES REGEX "^[a-z0-9_]+[ \t]")
set(GOLDEN_SCENARIOS)
foreach(line ${GOLDEN_LINES})
  string(REGEX MATCH "^[a-z0-9_]+" s "${line}")
  list(APPEND GOLDEN_SCENARIOS ${s})
endforeach()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${GOLDEN_DIR}/scenarios.txt)

# Every scenario against its golden trace: a fresh recording with the options in scenarios.txt,
# diffed (exit 0). Recorded by scripts/record-golden; tests/golden/README.md says when to re-record.
foreach(s ${GOLDEN_SCENARIOS})
  add_test(NAME "golden: ${s} is the same machine history as tests/golden/${s}.fst"
           COMMAND ${GOLDEN_CHECK} golden ${FS} ${FS_KERNEL} ${GOLDEN_WORK}/golden-${s} ${s})
endforeach()
# Another kernel build, another format version, not a trace: refused with exit 2 and one line.
add_test(NAME "golden: a trace of another build or format version is refused, naming the mismatch"
         COMMAND ${GOLDEN_CHECK} refusals ${FS} ${FS_KERNEL} ${GOLDEN_WORK}/refusals
                 ${GOLDEN_WORK}/kernel-nice.elf)
# Determinism: 20 recordings of each scenario, byte for byte the same.
foreach(s ${GOLDEN_SCENARIOS})
  add_test(NAME "golden: ${s} recorded 20 times gives 20 byte-identical traces"
           COMMAND ${GOLDEN_CHECK} determinism ${FS} ${FS_KERNEL} ${GOLDEN_WORK}/det-${s} ${s} 20)
endforeach()
# Mutation checks: each variant diverges from a fresh recording of the normal kernel at the first
# instruction its change affects (golden_check.sh says which and why).
foreach(mut nice timeslice eoi)
  add_test(NAME "mutation: ${mut}: trace diff names the first affected instruction"
           COMMAND ${GOLDEN_CHECK} mutation ${FS} ${FS_KERNEL} ${GOLDEN_WORK}/mutation-${mut} ${mut}
                   ${GOLDEN_WORK}/kernel-${mut}.elf)
endforeach()
