# `cpack -G DEB` in the build tree: forkscope_<version>_<arch>.deb with what `cmake --install` installs,
# under /usr. Depends is derived by dpkg-shlibdeps (Debian package dpkg-dev) from the libraries the binary
# is linked against, so it follows however Unicorn, Capstone, fmt, libelf and zstd are linked (a static
# library adds no dependency) instead of a hand-kept list.
set(FORKSCOPE_PACKAGE_CONTACT "forkscope developers <forkscope@invalid>"
    CACHE STRING "the Maintainer field of the Debian package (cpack -G DEB)")

set(CPACK_PACKAGE_NAME forkscope)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${FORKSCOPE_PACKAGE_CONTACT})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "forkscope runs a small Linux-2.6.12-style i386 kernel (included) instruction by instruction on a "
  "cycle clock: the same image and options give the same run, bit for bit. It records traces of every "
  "instruction and event, inspects each ret_from_fork and iret, compares traces record by record and "
  "serves gdb's remote protocol.")
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION otherosfs)  # Debian's section for emulators (qemu, bochs)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The binary without its debug information (32 MB with it, at RelWithDebInfo), as Debian ships
# binaries; this strips install(TARGETS) only, so the guest images keep the symbols trace and gdb read.
set(CPACK_STRIP_FILES ON)
include(CPack)
