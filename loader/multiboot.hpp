// The boot state a multiboot (v1) loader hands over (Multiboot Specification 0.6.96, 3.2 "Machine
// state" and 3.3 "Boot information format").
//
// Open questions and the answers chosen:
//  1. Where does the information go? The spec leaves it to the loader and lets the OS reuse the
//     memory once it has read it (3.3). We use conventional memory at 0x9000: below the EBDA
//     (0x9FC00), above the real-mode IVT/BDA, and above the boot ESP the machine sets (0x7000). The
//     memory map still reports it as available. An image with a segment there is refused.
//  2. Which fields? MEM (bit 0), CMDLINE (bit 2), MMAP (bit 6) and BOOT_LOADER_NAME (bit 9): what a
//     Linux-style kernel reads. No modules, no drives, no APM, no VBE; those fields are zero.
//  3. The memory map describes the machine forkscope models, not a BIOS (loader/pc_memory_map.hpp):
//     [0, 0x9FC00) available, [0x9FC00, 0xA0000) reserved (EBDA), [0xF0000, 0x100000) reserved
//     (BIOS ROM), [1 MiB, RAM end) available. [0xA0000, 0xF0000) (VGA, option ROMs) is left out,
//     which 3.3 reads as unusable.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "loader/elf_image.hpp"

namespace fs {

inline constexpr std::uint32_t kMultibootBootloaderMagic = 0x2BADB002;  // 3.2, in EAX

// 3.3 multiboot_info flags.
inline constexpr std::uint32_t kMultibootInfoMemory = 1u << 0;
inline constexpr std::uint32_t kMultibootInfoCmdline = 1u << 2;
inline constexpr std::uint32_t kMultibootInfoMmap = 1u << 6;
inline constexpr std::uint32_t kMultibootInfoLoaderName = 1u << 9;

// 3.3 multiboot_info field offsets (the block is 88 bytes, up to vbe_interface_len).
inline constexpr std::uint32_t kMbiFlags = 0, kMbiMemLower = 4, kMbiMemUpper = 8,
                               kMbiBootDevice = 12, kMbiCmdline = 16, kMbiModsCount = 20,
                               kMbiModsAddr = 24, kMbiMmapLength = 44, kMbiMmapAddr = 48,
                               kMbiBootLoaderName = 64, kMbiSize = 88;
// 3.3 memory map entry: size (u32, counts the 20 bytes after itself), base_addr (u64), length
// (u64), type (u32, 1 = available RAM, anything else reserved).
inline constexpr std::uint32_t kMmapEntrySize = 24, kMmapEntrySizeField = 20;
inline constexpr std::uint32_t kMmapAvailable = 1, kMmapReserved = 2;

// The information area: the block, then the memory map, the loader name and the command line,
// packed in that order from kMultibootInfoAddr (question 1).
inline constexpr std::uint32_t kMultibootInfoAddr = 0x9000;
inline constexpr std::uint32_t kMultibootCmdlineMax = 4095;  // bytes, without the NUL
inline constexpr std::string_view kMultibootLoaderName = "forkscope";

struct BootState {
  std::uint32_t eip = 0;       // the image's (physical) entry point
  std::uint32_t eax = 0;       // kMultibootBootloaderMagic
  std::uint32_t ebx = 0;       // physical address of the multiboot_info block
  std::uint32_t info_end = 0;  // end of the information area [ebx, info_end) in RAM
};

// Writes the boot information for `image` (already loaded into `ram`) and returns the register
// state of 3.2. Other machine state of 3.2 (flat segments, CR0.PE=1, PG=0, IF=0) is the machine's
// job. LoadError ("multiboot: ..." or "name: segment ... overlaps ...") when RAM is not above 1
// MiB, the command line is too long or holds a NUL, or a segment of the image covers the
// information area; RAM is not written then.
BootState write_multiboot_info(std::span<std::uint8_t> ram, const LoadedImage& image,
                               std::string_view cmdline);

}  // namespace fs
