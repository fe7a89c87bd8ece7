# Guest images are built with Debian's clang for a freestanding i386 target and linked with ld.lld.
# They are not a CMake language toolchain of their own: each source is one custom command, so the host
# build and the guest build share one `cmake --build` and one compile_commands.json stays host-only.
find_program(GUEST_CC NAMES clang clang-14 REQUIRED)
find_program(GUEST_LD NAMES ld.lld ld.lld-14 REQUIRED)

set(GUEST_CFLAGS --target=i386-pc-none-elf -march=i486 -ffreestanding -fno-pic -fno-pie -nostdlib
    -fno-stack-protector -fno-builtin -fno-omit-frame-pointer -mno-sse -mno-mmx -mno-80387 -O2 -g
    -Wall -Wextra -std=gnu11)
if(FORKSCOPE_WERROR)
  list(APPEND GUEST_CFLAGS -Werror)
endif()

# forkscope_guest_image(NAME <target> OUTPUT <path.elf> LINKER_SCRIPT <ld> SOURCES <.c/.S...>
#                       [INCLUDES <dirs...>] [DEFINES <-DX...>] [INCBIN <files...>])
# INCBIN: files the assembly sources pull in with .incbin (the compiler's depfile does not list
# them): every .S object is rebuilt when one changes.
function(forkscope_guest_image)
  cmake_parse_arguments(G "" "NAME;OUTPUT;LINKER_SCRIPT" "SOURCES;INCLUDES;DEFINES;INCBIN" ${ARGN})
  set(objs)
  set(incs)
  foreach(d ${G_INCLUDES})
    list(APPEND incs -I${d})
  endforeach()
  foreach(src ${G_SOURCES})
    get_filename_component(abs ${src} ABSOLUTE)
    file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR} ${abs})
    string(REPLACE "/" "_" flat ${rel})
    set(obj ${CMAKE_CURRENT_BINARY_DIR}/${G_NAME}.dir/${flat}.o)
    set(dep ${obj}.d)
    set(extra)
    if(abs MATCHES "\\.S$")
      set(extra ${G_INCBIN})
    endif()
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/${G_NAME}.dir
      COMMAND ${GUEST_CC} ${GUEST_CFLAGS} ${incs} ${G_DEFINES} -MD -MF ${dep} -c ${abs} -o ${obj}
      DEPENDS ${abs} ${extra}
      DEPFILE ${dep}
      COMMENT "guest: ${rel}"
      VERBATIM)
    list(APPEND objs ${obj})
  endforeach()
  get_filename_component(ld_abs ${G_LINKER_SCRIPT} ABSOLUTE)
  # The output's folder is made here: Ninja creates the folders of a command's outputs, Unix
  # Makefiles do not (ld.lld: cannot open output file).
  get_filename_component(out_dir ${G_OUTPUT} DIRECTORY)
  add_custom_command(OUTPUT ${G_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
    COMMAND ${GUEST_LD} -m elf_i386 -static -nostdlib -T ${ld_abs} -o ${G_OUTPUT} ${objs}
    DEPENDS ${objs} ${ld_abs}
    COMMENT "guest link: ${G_OUTPUT}"
    VERBATIM)
  add_custom_target(${G_NAME} ALL DEPENDS ${G_OUTPUT})
endfunction()
