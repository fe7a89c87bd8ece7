// The physical memory map of the PC forkscope models, as a boot loader reports it to the kernel
// (the multiboot memory map, Linux's e820 table). There is no BIOS: the map describes the machine,
// with the holes a PC has, so a kernel that trusts a BIOS's map finds the same picture.
//
// [0, 0x9FC00) usable, [0x9FC00, 0xA0000) reserved (the EBDA a BIOS keeps), [0xF0000, 0x100000)
// reserved (the BIOS ROM), [1 MiB, end of RAM) usable. [0xA0000, 0xF0000) (VGA, option ROMs) is
// not listed: both protocols read a hole as unusable.
#pragma once

#include <cstdint>
#include <vector>

namespace fs {

struct MemoryRange {
  std::uint64_t base = 0, length = 0;
  bool usable = false;
};

// The four ranges above for `ram_size` bytes of RAM (more than 1 MiB, the caller's check).
std::vector<MemoryRange> pc_memory_map(std::uint64_t ram_size);

}  // namespace fs
