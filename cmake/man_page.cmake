# forkscope(1), generated from the binary's own --help by help2man (Debian package help2man), with every
# subcommand's --help under SUBCOMMANDS (cmake/man_subcommands.cmake), so the page cannot drift from the
# options. Without help2man the build goes on and installs no man page.
find_program(HELP2MAN help2man)
if(NOT HELP2MAN)
  message(STATUS "help2man not found: building without the forkscope(1) man page (Debian: apt-get install help2man)")
  return()
endif()

set(fs_man ${CMAKE_BINARY_DIR}/forkscope.1)
set(fs_man_subcommands ${CMAKE_BINARY_DIR}/forkscope-subcommands.h2m)
add_custom_command(OUTPUT ${fs_man}.gz
  COMMAND ${CMAKE_COMMAND} -DFORKSCOPE=$<TARGET_FILE:forkscope> -DOUTPUT=${fs_man_subcommands}
          -P ${CMAKE_SOURCE_DIR}/cmake/man_subcommands.cmake
  # Run through PATH so the page says "forkscope", not the build tree's path; --version-string: the
  # version is the project's, whatever --version prints.
  COMMAND ${CMAKE_COMMAND} -E env "PATH=$<TARGET_FILE_DIR:forkscope>:$ENV{PATH}"
          ${HELP2MAN} --no-info --version-string=${PROJECT_VERSION} --name=${PROJECT_DESCRIPTION}
          --section=1 --include=${fs_man_subcommands} --output=${fs_man} forkscope
  # gzip -n: no name or time stamp inside, the same bytes on every build (Debian policy 12.1 wants .gz).
  COMMAND gzip -9nkf ${fs_man}
  DEPENDS forkscope ${CMAKE_SOURCE_DIR}/cmake/man_subcommands.cmake
  COMMENT "man page: forkscope.1 (help2man)"
  VERBATIM)
add_custom_target(forkscope_man ALL DEPENDS ${fs_man}.gz)
install(FILES ${fs_man}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
