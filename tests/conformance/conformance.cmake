# tests/conformance/: small self-checking multiboot kernels (tests/conformance/README.md). Each is
# boot.S + lib.c + one check file, printing one PASS/FAIL line per check; CTest compares the console
# with NAME.expected and the status with its number of FAIL lines (0), in both run modes. The same
# images run under QEMU in "peer: QEMU conformance kernels" (tests/conformance/peer_qemu.sh), held to
# NAME.qemu.expected where forkscope deliberately follows the SDM and QEMU does not.
set(FS_CONFORMANCE int_faults ext_bit io_bitmap debug_regs exceptions page_faults stack_switch fpu_nm
    iret_rules pit_pic io_breakpoints)
set(CONF_DIR ${CMAKE_CURRENT_SOURCE_DIR}/conformance)
foreach(k ${FS_CONFORMANCE})
  forkscope_guest_image(NAME conformance_${k} OUTPUT ${CMAKE_BINARY_DIR}/tests/conformance/${k}.elf
    LINKER_SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/machine/machine.ld
    SOURCES ${CONF_DIR}/boot.S ${CONF_DIR}/lib.c ${CONF_DIR}/${k}.c
    INCLUDES ${CONF_DIR})
  add_dependencies(forkscope_tests conformance_${k})
  add_test(NAME "conformance: ${k}" COMMAND ${CHECK} ${CONF_DIR}/${k}.expected 0 --
           $<TARGET_FILE:forkscope> run --quiet ${CMAKE_BINARY_DIR}/tests/conformance/${k}.elf)
  add_test(NAME "conformance: ${k} (per-instruction)" COMMAND ${CHECK} ${CONF_DIR}/${k}.expected 0 --
           $<TARGET_FILE:forkscope> run --quiet --per-instruction ${CMAKE_BINARY_DIR}/tests/conformance/${k}.elf)
endforeach()
add_test(NAME "peer: QEMU runs the conformance kernels with the same lines"
         COMMAND ${CONF_DIR}/peer_qemu.sh ${CMAKE_BINARY_DIR}/tests/conformance ${CONF_DIR} ${FS_CONFORMANCE})
set_tests_properties("peer: QEMU runs the conformance kernels with the same lines" PROPERTIES SKIP_RETURN_CODE 77)
# A MOV from DRn is run by forkscope, not Unicorn (emu/machine_intercept.cpp): a recording must still
# show it with its own register change (the first one in debug_regs reads DR6 = 0xffff0ff0 into EAX).
add_test(NAME "trace: a MOV from DR6 that forkscope runs itself is recorded with its EAX change"
         COMMAND sh -c "$<TARGET_FILE:forkscope> run -q --trace dr.fst ${CMAKE_BINARY_DIR}/tests/conformance/debug_regs.elf >/dev/null && $<TARGET_FILE:forkscope> trace dump --image ${CMAKE_BINARY_DIR}/tests/conformance/debug_regs.elf dr.fst | grep -m1 'mov eax, dr6' | grep -q 'eax=ffff0ff0'")
set_tests_properties("trace: a MOV from DR6 that forkscope runs itself is recorded with its EAX change"
                     PROPERTIES WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
