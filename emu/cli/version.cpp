#include "emu/cli/version.hpp"

#include <fmt/format.h>

#include "emu/unicorn_cpu.hpp"
#include "x86/decoder.hpp"

#ifndef FS_VERSION
#error "FS_VERSION must come from CMakeLists.txt's project(VERSION) (emu/CMakeLists.txt)"
#endif

namespace fs::cli {

std::string version_text() {
  // The engines as the libraries themselves report them at run time (not the headers built
  // against).
  return fmt::format("forkscope {}\nUnicorn Engine {}\nCapstone {}\n", FS_VERSION,
                     unicorn_version(), capstone_version());
}

}  // namespace fs::cli
