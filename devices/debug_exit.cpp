#include "devices/debug_exit.hpp"

namespace fs {

DebugExit::DebugExit(std::function<void(std::uint32_t)> on_exit) : on_exit_(std::move(on_exit)) {}

std::uint32_t DebugExit::io_read(Cycles, std::uint16_t, unsigned) {
  return 0;
}

void DebugExit::io_write(Cycles, std::uint16_t, unsigned size, std::uint32_t value) {
  if (size < 4) value &= (1u << (8 * size)) - 1;
  ++s_.writes;
  if (on_exit_) on_exit_(value);
}

}  // namespace fs
