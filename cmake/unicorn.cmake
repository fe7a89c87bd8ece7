# Unicorn Engine 2.1.1, pinned: the CPU forkscope runs on (emu/unicorn_cpu.cpp is its only user).
#
# Why exactly 2.1.1 (measured on this project's machine, ../shared/UNICORN-NOTES.md; scripts/bench shows
# a regression if someone changes it):
#   - 2.0.1 (Debian bookworm's libunicorn-dev) sends every guest store down QEMU's notdirty slow path
#     (malloc + GLib tree work per store): a load/store loop ran at 32 M instructions/s; it also uses the
#     linear address as the physical one under paging (unicorn#1953), which forced frame aliasing.
#   - 2.1.1 clears TLB_NOTDIRTY (upstream d0103576) and translates paged addresses (UC_TLB_CPU): the same
#     loop ran at 1066-1177 M/s.
#   - 2.1.3 and 2.1.4 put every executable x86 page back on the slow path (upstream ab23d4ce, #2031:
#     `!(tlbe->addr_code != -1)` in notdirty_write): 67 M/s; 2.1.4 also runs plain code ~25% slower.
# Do not bump it without running scripts/bench before and after.
#
# Where it comes from: upstream's own release on PyPI (the `unicorn` package), fetched with pip by name
# and version, its sha256 checked. On x86-64 Linux the manylinux wheel carries unicorn.h and a static
# libunicorn.a (all of Unicorn's architectures; the linker keeps what forkscope calls), so nothing has
# to be compiled: that is the default. Elsewhere (or with FORKSCOPE_UNICORN_FROM_SOURCE=ON) the source
# distribution, which carries the whole C core, is built for x86 only with its own CMake (27-70 s).
# Either way the result is cached under the build tree (_deps/), so a second configure fetches nothing.
# FORKSCOPE_UNICORN_ROOT may name a prefix holding include/unicorn/unicorn.h and lib/libunicorn.a
# instead (an offline machine).
set(FS_UNICORN_VERSION 2.1.1)
set(FS_UNICORN_WHEEL
    unicorn-2.1.1-py2.py3-none-manylinux1_x86_64.manylinux_2_17_x86_64.manylinux2014_x86_64.whl)
set(FS_UNICORN_WHEEL_SHA256 b0f139adb1c9406f57d25cab96ad7a6d3cbb9119f5480ebecedd4f5d7cb024fb)
set(FS_UNICORN_SDIST unicorn-2.1.1.tar.gz)
set(FS_UNICORN_SDIST_SHA256 904f4146b09cd708fdf6b90ebb48d30eaa0ba339382964d4d08c0b9399cf4ba3)

option(FORKSCOPE_UNICORN_FROM_SOURCE "Build Unicorn ${FS_UNICORN_VERSION} from PyPI's source distribution" OFF)
set(FORKSCOPE_UNICORN_ROOT "" CACHE PATH "A prefix with include/unicorn/unicorn.h and lib/libunicorn.a (skips the fetch)")

function(fs_unicorn_fail what)
  message(FATAL_ERROR "forkscope: cannot get Unicorn ${FS_UNICORN_VERSION}: ${what}")
endfunction()

# pip download NAME==VERSION into `dir`, then check `file`'s sha256.
function(fs_unicorn_pip_download dir file sha256)
  if(EXISTS "${dir}/${file}")
    file(SHA256 "${dir}/${file}" have)
    if(have STREQUAL sha256)
      return()
    endif()
    file(REMOVE "${dir}/${file}")
  endif()
  find_package(Python3 COMPONENTS Interpreter QUIET)
  if(NOT Python3_Interpreter_FOUND)
    fs_unicorn_fail("python3 not found (Debian: apt-get install python3-pip)")
  endif()
  execute_process(COMMAND ${Python3_EXECUTABLE} -m pip --version OUTPUT_QUIET ERROR_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    fs_unicorn_fail("pip not found for ${Python3_EXECUTABLE} (Debian: apt-get install python3-pip)")
  endif()
  message(STATUS "Fetching unicorn==${FS_UNICORN_VERSION} from PyPI (${file})")
  execute_process(COMMAND ${Python3_EXECUTABLE} -m pip download --disable-pip-version-check --no-deps
                          ${ARGN} -d "${dir}" "unicorn==${FS_UNICORN_VERSION}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT EXISTS "${dir}/${file}")
    string(REGEX REPLACE "\n.*" "" err "${err}")
    fs_unicorn_fail("pip download failed (${err})")
  endif()
  file(SHA256 "${dir}/${file}" have)
  if(NOT have STREQUAL sha256)
    fs_unicorn_fail("${file} has sha256 ${have}, expected ${sha256}")
  endif()
endfunction()

set(fs_deps "${CMAKE_BINARY_DIR}/_deps")
if(FORKSCOPE_UNICORN_ROOT)
  set(fs_uc_prefix "${FORKSCOPE_UNICORN_ROOT}")
elseif(NOT FORKSCOPE_UNICORN_FROM_SOURCE AND CMAKE_SYSTEM_NAME STREQUAL "Linux"
       AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(fs_uc_prefix "${fs_deps}/unicorn-${FS_UNICORN_VERSION}-wheel")
  if(NOT EXISTS "${fs_uc_prefix}/lib/libunicorn.a")
    fs_unicorn_pip_download("${fs_deps}/download" "${FS_UNICORN_WHEEL}" "${FS_UNICORN_WHEEL_SHA256}"
                            --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3)
    file(REMOVE_RECURSE "${fs_deps}/wheel")
    file(MAKE_DIRECTORY "${fs_deps}/wheel")
    file(ARCHIVE_EXTRACT INPUT "${fs_deps}/download/${FS_UNICORN_WHEEL}" DESTINATION "${fs_deps}/wheel"
         PATTERNS "unicorn/include/*" "unicorn/lib/libunicorn.a")
    file(REMOVE_RECURSE "${fs_uc_prefix}")
    file(RENAME "${fs_deps}/wheel/unicorn" "${fs_uc_prefix}")
    file(REMOVE_RECURSE "${fs_deps}/wheel")
  endif()
else()
  set(fs_uc_prefix "${fs_deps}/unicorn-${FS_UNICORN_VERSION}-source")
  if(NOT EXISTS "${fs_uc_prefix}/lib/libunicorn.a")
    fs_unicorn_pip_download("${fs_deps}/download" "${FS_UNICORN_SDIST}" "${FS_UNICORN_SDIST_SHA256}"
                            --no-binary=:all:)
    file(REMOVE_RECURSE "${fs_deps}/sdist")
    file(ARCHIVE_EXTRACT INPUT "${fs_deps}/download/${FS_UNICORN_SDIST}" DESTINATION "${fs_deps}/sdist")
    set(src "${fs_deps}/sdist/unicorn-${FS_UNICORN_VERSION}/src")
    if(NOT EXISTS "${src}/CMakeLists.txt")
      fs_unicorn_fail("${FS_UNICORN_SDIST} has no src/CMakeLists.txt")
    endif()
    message(STATUS "Building Unicorn ${FS_UNICORN_VERSION} (x86 only) from source: about a minute")
    cmake_host_system_information(RESULT ncpu QUERY NUMBER_OF_LOGICAL_CORES)
    execute_process(COMMAND ${CMAKE_COMMAND} -S "${src}" -B "${fs_deps}/sdist/build" -G "${CMAKE_GENERATOR}"
                            -DCMAKE_BUILD_TYPE=Release -DUNICORN_ARCH=x86 -DUNICORN_BUILD_TESTS=OFF
                            -DBUILD_SHARED_LIBS=OFF "-DCMAKE_INSTALL_PREFIX=${fs_uc_prefix}"
                    OUTPUT_QUIET RESULT_VARIABLE rc)
    if(rc EQUAL 0)
      execute_process(COMMAND ${CMAKE_COMMAND} --build "${fs_deps}/sdist/build" --parallel ${ncpu}
                      OUTPUT_QUIET RESULT_VARIABLE rc)
    endif()
    if(rc EQUAL 0)
      execute_process(COMMAND ${CMAKE_COMMAND} --install "${fs_deps}/sdist/build" OUTPUT_QUIET RESULT_VARIABLE rc)
    endif()
    if(NOT rc EQUAL 0 OR NOT EXISTS "${fs_uc_prefix}/lib/libunicorn.a")
      fs_unicorn_fail("building ${src} failed")
    endif()
  endif()
endif()

if(NOT EXISTS "${fs_uc_prefix}/include/unicorn/unicorn.h" OR NOT EXISTS "${fs_uc_prefix}/lib/libunicorn.a")
  fs_unicorn_fail("${fs_uc_prefix} has no include/unicorn/unicorn.h and lib/libunicorn.a")
endif()
file(STRINGS "${fs_uc_prefix}/include/unicorn/unicorn.h" fs_uc_ver REGEX "#define UC_API_(MAJOR|MINOR|PATCH) ")
string(REGEX REPLACE ".*MAJOR ([0-9]+).*MINOR ([0-9]+).*PATCH ([0-9]+).*" "\\1.\\2.\\3" fs_uc_ver "${fs_uc_ver}")
if(NOT fs_uc_ver STREQUAL FS_UNICORN_VERSION)
  fs_unicorn_fail("${fs_uc_prefix} holds Unicorn ${fs_uc_ver}")
endif()

find_package(Threads REQUIRED)
add_library(fs_unicorn STATIC IMPORTED GLOBAL)
set_target_properties(fs_unicorn PROPERTIES IMPORTED_LOCATION "${fs_uc_prefix}/lib/libunicorn.a")
# SYSTEM: Unicorn's headers are not ours to warn about.
target_include_directories(fs_unicorn SYSTEM INTERFACE "${fs_uc_prefix}/include")
target_link_libraries(fs_unicorn INTERFACE Threads::Threads m ${CMAKE_DL_LIBS})
add_library(unicorn::unicorn ALIAS fs_unicorn)
message(STATUS "Unicorn ${fs_uc_ver}: ${fs_uc_prefix}")
