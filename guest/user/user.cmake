# guest/user/user.cmake: the user programs (included by guest/CMakeLists.txt before the kernel, which
# embeds them: usr/user_programs.S). Each is a static ELF linked at 0x08048000 (user.ld) against the
# small libc in lib/, built with the guest toolchain. FS_USER_PROGRAMS lists them; FS_USER_PROGRAM_DEFINES
# and FS_USER_PROGRAM_FILES are what kernel.cmake hands the kernel's build.
set(FS_USER ${CMAKE_CURRENT_SOURCE_DIR}/user)
set(FS_USER_LIB
  ${FS_USER}/lib/crt0.S
  ${FS_USER}/lib/syscalls.c
  ${FS_USER}/lib/printf.c
  ${FS_USER}/lib/string.c)
set(FS_USER_PROGRAMS init forktest isolation faults forkbomb schedmix forkloop orphan lines signals sighandler)
set(FS_USER_PROGRAM_DEFINES)
set(FS_USER_PROGRAM_FILES)
foreach(p ${FS_USER_PROGRAMS})
  set(elf ${CMAKE_BINARY_DIR}/guest/user/${p}.elf)
  forkscope_guest_image(NAME guest_user_${p} OUTPUT ${elf}
    LINKER_SCRIPT ${FS_USER}/user.ld
    SOURCES ${FS_USER}/${p}.c ${FS_USER_LIB}
    # The user programs' own headers first; guest/include for the system call ABI (asm/unistd.h,
    # linux/errno.h) only.
    INCLUDES ${FS_USER}/include ${CMAKE_CURRENT_SOURCE_DIR}/include)
  list(APPEND FS_USER_PROGRAM_DEFINES -DUSER_PROGRAM_${p}="${elf}")
  list(APPEND FS_USER_PROGRAM_FILES ${elf})
endforeach()
