# guest/linux/linux.cmake: the programs of the initramfs scripts/linux boots Debian's i386 Linux 6.1
# with (issue 13): /init and /bin/hello, static ELFs linked at 0x08048000 (linux.ld) with
# the guest toolchain, calling the kernel directly (sys.h). scripts/linux packs them into a cpio.
set(FS_LINUX_GUEST ${CMAKE_CURRENT_SOURCE_DIR}/linux)
foreach(p init hello)
  forkscope_guest_image(NAME guest_linux_${p} OUTPUT ${CMAKE_BINARY_DIR}/guest/linux/${p}.elf
    LINKER_SCRIPT ${FS_LINUX_GUEST}/linux.ld
    SOURCES ${FS_LINUX_GUEST}/start.S ${FS_LINUX_GUEST}/${p}.c ${FS_LINUX_GUEST}/out.c)
endforeach()
