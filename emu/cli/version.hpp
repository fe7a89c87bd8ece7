// `forkscope --version`: what this binary is, in one place.
#pragma once

#include <string>

namespace fs::cli {

// "forkscope 0.1.0\nUnicorn Engine 2.1.1\nCapstone 4.0\n": the version of CMakeLists.txt's project()
// (FS_VERSION, set by emu/CMakeLists.txt), then the CPU engine and the decoder as linked in.
std::string version_text();

}  // namespace fs::cli
