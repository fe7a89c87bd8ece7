# guest/kernel.cmake: the Linux-2.6.12-style guest kernel, build/guest/kernel.elf (included by
# guest/CMakeLists.txt). Sources are listed by hand, grouped as Linux groups them.
set(FS_GUEST ${CMAKE_CURRENT_SOURCE_DIR})
forkscope_guest_image(NAME guest_kernel
  OUTPUT ${CMAKE_BINARY_DIR}/guest/kernel.elf
  LINKER_SCRIPT ${FS_GUEST}/arch/i386/kernel.ld
  SOURCES
    ${FS_GUEST}/arch/i386/kernel/head.S
    ${FS_GUEST}/arch/i386/kernel/entry.S
    ${FS_GUEST}/arch/i386/kernel/init_task.c
    ${FS_GUEST}/arch/i386/kernel/setup.c
    ${FS_GUEST}/arch/i386/kernel/traps.c
    ${FS_GUEST}/arch/i386/kernel/i8259.c
    ${FS_GUEST}/arch/i386/kernel/irq.c
    ${FS_GUEST}/arch/i386/kernel/time.c
    ${FS_GUEST}/arch/i386/kernel/process.c
    ${FS_GUEST}/arch/i386/kernel/sys_i386.c
    ${FS_GUEST}/arch/i386/kernel/signal.c
    ${FS_GUEST}/init/main.c
    ${FS_GUEST}/init/scenarios.c
    ${FS_GUEST}/init/user_scenarios.c
    ${FS_GUEST}/kernel/fork.c
    ${FS_GUEST}/kernel/sched.c
    ${FS_GUEST}/kernel/exit.c
    ${FS_GUEST}/kernel/timer.c
    ${FS_GUEST}/kernel/softirq.c
    ${FS_GUEST}/kernel/pid.c
    ${FS_GUEST}/kernel/wait.c
    ${FS_GUEST}/kernel/user.c
    ${FS_GUEST}/kernel/sys.c
    ${FS_GUEST}/kernel/signal.c
    ${FS_GUEST}/kernel/printk.c
    ${FS_GUEST}/kernel/panic.c
    ${FS_GUEST}/kernel/abi_check.c
    ${FS_GUEST}/arch/i386/mm/init.c
    ${FS_GUEST}/arch/i386/mm/fault.c
    ${FS_GUEST}/arch/i386/mm/pgtable.c
    ${FS_GUEST}/mm/page_alloc.c
    ${FS_GUEST}/mm/slab.c
    ${FS_GUEST}/mm/mmap.c
    ${FS_GUEST}/mm/memory.c
    ${FS_GUEST}/fs/exec.c
    ${FS_GUEST}/fs/binfmt_elf.c
    ${FS_GUEST}/fs/read_write.c
    ${FS_GUEST}/arch/i386/lib/usercopy.c
    ${FS_GUEST}/drivers/serial.c
    ${FS_GUEST}/drivers/n_tty.c
    ${FS_GUEST}/lib/string.c
    ${FS_GUEST}/lib/cmdline.c
    ${FS_GUEST}/lib/vsprintf.c
    ${FS_GUEST}/lib/libgcc.c
    ${FS_GUEST}/usr/user_programs.S
  INCLUDES ${FS_GUEST}/include
  # __FILE__ as Linux prints it ("kernel/sched.c"), whatever the checkout path; the user programs'
  # ELF files for usr/user_programs.S (guest/user/user.cmake).
  DEFINES -fmacro-prefix-map=${FS_GUEST}/= ${FS_USER_PROGRAM_DEFINES}
  INCBIN ${FS_USER_PROGRAM_FILES})
