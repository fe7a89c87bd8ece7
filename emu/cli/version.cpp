#include "emu/cli/version.hpp"

#include <fmt/format.h>

#ifndef FS_VERSION
#error "FS_VERSION must come from CMakeLists.txt's project(VERSION) (emu/CMakeLists.txt)"
#endif

namespace fs::cli {

std::string version_text() {
  return fmt::format("forkscope {}\n", FS_VERSION);
}

}  // namespace fs::cli
