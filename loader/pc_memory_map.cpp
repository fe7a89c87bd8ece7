#include "loader/pc_memory_map.hpp"

namespace fs {

std::vector<MemoryRange> pc_memory_map(std::uint64_t ram_size) {
  constexpr std::uint64_t kOneMiB = 1u << 20;
  return {
      {0, 0x9FC00, true},
      {0x9FC00, 0xA0000 - 0x9FC00, false},   // EBDA
      {0xF0000, 0x100000 - 0xF0000, false},  // BIOS ROM
      {kOneMiB, ram_size - kOneMiB, true},
  };
}

}  // namespace fs
