# Installing (issue 14), included from tests/CMakeLists.txt: what `cmake --install` and `cpack -G DEB`
# give a user must boot the kernel from anywhere, and the package must say what it needs.
#
#   install: ...   cmake --install into a fresh prefix, then run the installed forkscope from /
#   install: ...   the same after the installed tree is moved (the kernel is found from the binary)
#   install: ...   the binary alone, with no kernel anywhere: one line naming the paths, status 2
#   install: ...   cpack -G DEB: control fields, Depends covering every library, the file list, and
#                  the unpacked package booting (the suite never installs the package)
set(INSTALL_TREE ${CMAKE_CURRENT_SOURCE_DIR}/install/install_tree.sh)
set(INSTALL_WORK ${CMAKE_CURRENT_BINARY_DIR}/install)
set(INSTALL_EXPECTED ${CMAKE_CURRENT_SOURCE_DIR}/kernel/process1.default.expected)
add_test(NAME "install: the installed forkscope boots its installed kernel from /"
         COMMAND ${INSTALL_TREE} installed ${CMAKE_BINARY_DIR} ${INSTALL_EXPECTED} ${INSTALL_WORK}/installed)
add_test(NAME "install: a moved install tree still boots its kernel"
         COMMAND ${INSTALL_TREE} moved ${CMAKE_BINARY_DIR} ${INSTALL_EXPECTED} ${INSTALL_WORK}/moved)
add_test(NAME "install: forkscope without a kernel names the paths it tried, status 2"
         COMMAND ${INSTALL_TREE} alone ${CMAKE_BINARY_DIR} ${INSTALL_EXPECTED} ${INSTALL_WORK}/alone)
add_test(NAME "install: cpack -G DEB gives a package with its dependencies and files, and it boots"
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/install/install_deb.sh ${CMAKE_BINARY_DIR} ${INSTALL_EXPECTED}
                 ${INSTALL_WORK}/deb)
# Without dpkg-deb, dpkg-shlibdeps or file (not a Debian machine, or no dpkg-dev): skipped, status 77.
set_tests_properties("install: cpack -G DEB gives a package with its dependencies and files, and it boots"
                     PROPERTIES SKIP_RETURN_CODE 77)
