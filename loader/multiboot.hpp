// The boot state a multiboot loader hands over (Multiboot Specification 0.6.96, 3.2 and 3.3).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "loader/elf_image.hpp"

namespace fs {

inline constexpr std::uint32_t kMultibootBootloaderMagic = 0x2BADB002;
// Where the multiboot_info block and what it points to are placed: free conventional memory below
// the EBDA, which the memory map reports as available (the guest may reuse it after reading it).
inline constexpr std::uint32_t kMultibootInfoAddr = 0x9000;
inline constexpr std::uint32_t kMultibootMmapAddr = 0x9060;
inline constexpr std::uint32_t kMultibootLoaderNameAddr = 0x90E0;
inline constexpr std::uint32_t kMultibootCmdlineAddr = 0x9100;
inline constexpr std::uint32_t kMultibootCmdlineMax = 0x0E00;

struct BootState {
  std::uint32_t eip = 0, eax = 0, ebx = 0;
};

BootState write_multiboot_info(std::span<std::uint8_t> ram, const LoadedImage& image,
                               std::string_view cmdline);

}  // namespace fs
