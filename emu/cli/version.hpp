// `forkscope --version`: what this binary is, in one place.
#pragma once

#include <string>

namespace fs::cli {

// "forkscope 0.1.0\n": the version of CMakeLists.txt's project() (FS_VERSION, set by
// emu/CMakeLists.txt). Lines for the libraries it was built with go here too.
std::string version_text();

}  // namespace fs::cli
