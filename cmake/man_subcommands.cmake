# cmake -DFORKSCOPE=<binary> -DOUTPUT=<file> -P man_subcommands.cmake
# Writes help2man's --include file: a SUBCOMMANDS section with each subcommand's --help, found by
# walking the "Subcommands:" lists of CLI11's help from the top down (a new subcommand needs no edit
# here). The text is kept as printed (.nf), escaped for roff: a backslash is \e, and a line starting
# with . or ' gets \& so roff does not take it for a request (groff(7), "Control characters").

function(fs_help out words)
  separate_arguments(args UNIX_COMMAND "${words} --help")
  execute_process(COMMAND ${FORKSCOPE} ${args} OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "man page: forkscope ${words} --help exited with ${rc}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# The names listed under "Subcommands:" in `text`, two spaces in, up to the blank line ending the list.
function(fs_subcommands out text)
  set(names)
  string(FIND "${text}" "\nSubcommands:\n" at)
  if(at GREATER -1)
    math(EXPR at "${at} + 13")
    string(SUBSTRING "${text}" ${at} -1 list)
    string(FIND "${list}" "\n\n" end)
    string(SUBSTRING "${list}" 0 ${end} list)
    string(REGEX MATCHALL "\n  [a-z][a-z0-9_-]*" lines "${list}")
    foreach(l ${lines})
      string(STRIP "${l}" l)
      list(APPEND names ${l})
    endforeach()
  endif()
  set(${out} ${names} PARENT_SCOPE)
endfunction()

# Appends the section of `forkscope <words>` and its subcommands' to `page`.
function(fs_walk words)
  fs_help(text "${words}")
  string(REPLACE "${FORKSCOPE}" "forkscope" shown "${text}")
  string(REPLACE "\\" "\\e" shown "${shown}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" shown "${shown}")
  set(page "${page}.SS \"forkscope ${words}\"\n.nf\n${shown}.fi\n")
  fs_subcommands(names "${text}")
  foreach(n ${names})
    fs_walk("${words} ${n}")
  endforeach()
  set(page "${page}" PARENT_SCOPE)
endfunction()

set(page "[SUBCOMMANDS]\n")
fs_help(top "")
fs_subcommands(names "${top}")
if(NOT names)
  message(FATAL_ERROR "man page: forkscope --help lists no subcommands")
endif()
foreach(n ${names})
  fs_walk("${n}")
endforeach()
file(WRITE ${OUTPUT} "${page}")
