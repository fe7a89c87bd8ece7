#include "loader/multiboot.hpp"

#include <fmt/format.h>

#include <cstring>
#include <vector>

#include "loader/pc_memory_map.hpp"

namespace fs {
namespace {

constexpr std::uint64_t kOneMiB = 1u << 20;

void put32(std::span<std::uint8_t> ram, std::uint32_t at, std::uint32_t v) {
  std::memcpy(ram.data() + at, &v, 4);  // x86 host, x86 guest: both little-endian
}

void put64(std::span<std::uint8_t> ram, std::uint32_t at, std::uint64_t v) {
  std::memcpy(ram.data() + at, &v, 8);
}

}  // namespace

BootState write_multiboot_info(std::span<std::uint8_t> ram, const LoadedImage& image,
                               std::string_view cmdline) {
  const std::uint64_t ram_size = ram.size();
  if (ram_size <= kOneMiB) {
    throw LoadError(
        fmt::format("multiboot: RAM of {} KiB is too small (the memory map needs RAM above 1 MiB)",
                    ram_size >> 10));
  }
  if (cmdline.size() > kMultibootCmdlineMax) {
    throw LoadError(fmt::format("multiboot: kernel command line too long ({} bytes, at most {})",
                                cmdline.size(), kMultibootCmdlineMax));
  }
  if (cmdline.find('\0') != std::string_view::npos)
    throw LoadError("multiboot: kernel command line contains a NUL byte");

  const std::vector<MemoryRange> map = pc_memory_map(ram_size);
  const std::uint32_t mbi = kMultibootInfoAddr;
  const std::uint32_t mmap_at = mbi + kMbiSize;
  const std::uint32_t mmap_len = static_cast<std::uint32_t>(map.size()) * kMmapEntrySize;
  const std::uint32_t name_at = mmap_at + mmap_len;
  const auto name_len = static_cast<std::uint32_t>(kMultibootLoaderName.size()) + 1;
  const std::uint32_t cmdline_at = name_at + name_len;
  const std::uint32_t end = cmdline_at + static_cast<std::uint32_t>(cmdline.size()) + 1;
  static_assert(
      kMultibootInfoAddr + kMbiSize + 4 * kMmapEntrySize + 16 + kMultibootCmdlineMax + 1 < 0x9FC00,
      "the information area stays in conventional memory");

  for (std::size_t i = 0; i < image.segments.size(); ++i) {
    const LoadedSegment& s = image.segments[i];
    const std::uint64_t s_end = std::uint64_t{s.paddr} + s.memsz;
    if (s.paddr < end && mbi < s_end) {
      throw LoadError(fmt::format(
          "{}: segment [{:#010x}, {:#010x}) overlaps the multiboot information area [{:#010x}, "
          "{:#010x})",
          image.name.empty() ? "multiboot" : image.name, s.paddr, s_end, mbi, end));
    }
  }

  std::memset(ram.data() + mbi, 0, end - mbi);
  put32(
      ram, mbi + kMbiFlags,
      kMultibootInfoMemory | kMultibootInfoCmdline | kMultibootInfoMmap | kMultibootInfoLoaderName);
  // 3.3: KiB of lower memory from 0 (at most 640; 639 because the EBDA takes the last KiB) and of
  // upper memory from 1 MiB up to the first hole, which for us is the end of RAM.
  put32(ram, mbi + kMbiMemLower, 0x9FC00 / 1024);
  put32(ram, mbi + kMbiMemUpper, static_cast<std::uint32_t>((ram_size - kOneMiB) / 1024));
  put32(ram, mbi + kMbiCmdline, cmdline_at);
  put32(ram, mbi + kMbiMmapLength, mmap_len);
  put32(ram, mbi + kMbiMmapAddr, mmap_at);
  put32(ram, mbi + kMbiBootLoaderName, name_at);

  std::uint32_t at = mmap_at;
  for (const MemoryRange& r : map) {
    put32(ram, at, kMmapEntrySizeField);  // 3.3: size does not count itself
    put64(ram, at + 4, r.base);
    put64(ram, at + 12, r.length);
    put32(ram, at + 20, r.usable ? kMmapAvailable : kMmapReserved);
    at += kMmapEntrySize;
  }
  std::memcpy(ram.data() + name_at, kMultibootLoaderName.data(), kMultibootLoaderName.size());
  std::memcpy(ram.data() + cmdline_at, cmdline.data(), cmdline.size());
  // Both NULs are already there from the memset.
  return BootState{image.entry, kMultibootBootloaderMagic, mbi, end};
}

}  // namespace fs
