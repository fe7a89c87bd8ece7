#include "emu/cli/syscall_names.hpp"

#include <fmt/format.h>

#include "trace/syscall_names.hpp"

namespace fs::cli {

std::string syscall_name(std::uint32_t nr) {
  if (const char* name = trace::syscall_name(nr)) return name;
  return fmt::format("syscall {}", nr);
}

}  // namespace fs::cli
