// Linux/x86's boot_params, the "zero page" a 32-bit boot loader hands the kernel in ESI
// (Documentation/x86/zero-page.rst for the layout, boot.rst "32-bit BOOT PROTOCOL" for what a
// loader fills in).
//
// Open questions and the answers chosen:
//  1. Which fields? The setup header copied from the image (boot.rst: "load the setup header at
//     the same offset"), the loader's own header fields (type_of_loader, loadflags, cmd_line_ptr,
//     ramdisk_image/size, heap_end_ptr), the e820 table with e820_entries, and alt_mem_k for a
//     kernel that looks there first. Everything else is 0: no screen_info (the kernel then uses
//     no VGA console), no APM, no EDD, no EFI, sentinel 0 (so the kernel's sanitize_boot_params
//     keeps what we wrote).
//  2. type_of_loader 0xFF: boot.rst's "undefined" loader; forkscope has no assigned id.
//  3. loadflags: the image's, plus CAN_USE_HEAP with heap_end_ptr as boot.rst's example sets it
//     (0xE000 - 0x200). Only the real-mode setup code reads them; the 32-bit entry skips that
//     code, but a reader of boot_params sees what a BIOS loader would leave.
#pragma once

#include <cstdint>
#include <span>

#include "loader/bzimage.hpp"

namespace fs {

inline constexpr std::uint32_t kBootParamsSize = 4096;
// zero-page.rst offsets of the fields forkscope writes outside the setup header.
inline constexpr std::uint32_t kAltMemK = 0x1E0, kE820Entries = 0x1E8, kE820Table = 0x2D0;
inline constexpr std::uint32_t kE820EntrySize = 20;     // u64 addr, u64 size, u32 type
inline constexpr std::uint32_t kE820MaxZeroPage = 128;  // E820_MAX_ENTRIES_ZEROPAGE
inline constexpr std::uint32_t kE820Ram = 1, kE820Reserved = 2;
inline constexpr std::uint8_t kLoaderUndefined = 0xFF;     // question 2
inline constexpr std::uint16_t kHeapEnd = 0xE000 - 0x200;  // heap_end_ptr, question 3

// Where the loader put the pieces boot_params points at.
struct BootParamsInput {
  std::uint64_t ram_size = 0;  // for the e820 table (loader/pc_memory_map.hpp)
  std::uint32_t cmdline_addr = 0;
  std::uint32_t initrd_addr = 0, initrd_size = 0;  // 0, 0: no initrd
};

// Fills `zero_page` (kBootParamsSize bytes) from nothing: question 1.
void write_boot_params(std::span<std::uint8_t> zero_page, const BzImage& image,
                       const BootParamsInput& in);

}  // namespace fs
