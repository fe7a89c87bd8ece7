#include "loader/multiboot.hpp"

#include <fmt/format.h>

#include <cstring>

namespace fs {
namespace {

void put32(std::span<std::uint8_t> ram, std::uint32_t at, std::uint32_t v) {
  std::memcpy(ram.data() + at, &v, 4);
}

}  // namespace

BootState write_multiboot_info(std::span<std::uint8_t> ram, const LoadedImage& image,
                               std::string_view cmdline) {
  if (cmdline.size() + 1 > kMultibootCmdlineMax)
    throw LoadError(fmt::format("kernel command line too long ({} bytes, at most {})",
                                cmdline.size(), kMultibootCmdlineMax - 1));
  const std::uint32_t lo = kMultibootInfoAddr, hi = kMultibootCmdlineAddr + kMultibootCmdlineMax;
  for (const auto& s : image.segments) {
    if (s.paddr < hi && s.paddr + s.memsz > lo)
      throw LoadError(
          fmt::format("image segment at {:#010x} overlaps the multiboot info area [{:#x}, {:#x})",
                      s.paddr, lo, hi));
  }
  std::memset(ram.data() + lo, 0, hi - lo);
  const std::uint64_t ram_size = ram.size();
  // 3.3: flags bit 0 mem_*, bit 2 cmdline, bit 6 mmap_*, bit 9 boot_loader_name.
  put32(ram, lo + 0, (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9));
  put32(ram, lo + 4, 639);  // mem_lower, KiB
  put32(ram, lo + 8,
        static_cast<std::uint32_t>((ram_size - (1u << 20)) / 1024));  // mem_upper, KiB above 1 MiB
  put32(ram, lo + 16, kMultibootCmdlineAddr);
  // Memory map entries: size (of the rest, 20), base_addr (64), length (64), type (1 available).
  struct Range {
    std::uint64_t base, len;
    std::uint32_t type;
  };
  const Range map[] = {{0, 0x9FC00, 1},
                       {0x9FC00, 0x400, 2},
                       {0xF0000, 0x10000, 2},
                       {0x100000, ram_size - 0x100000, 1}};
  std::uint32_t at = kMultibootMmapAddr;
  for (const Range& r : map) {
    put32(ram, at, 20);
    std::memcpy(ram.data() + at + 4, &r.base, 8);
    std::memcpy(ram.data() + at + 12, &r.len, 8);
    put32(ram, at + 20, r.type);
    at += 24;
  }
  put32(ram, lo + 44, at - kMultibootMmapAddr);  // mmap_length
  put32(ram, lo + 48, kMultibootMmapAddr);
  static constexpr char kName[] = "forkscope";
  std::memcpy(ram.data() + kMultibootLoaderNameAddr, kName, sizeof kName);
  put32(ram, lo + 64, kMultibootLoaderNameAddr);
  std::memcpy(ram.data() + kMultibootCmdlineAddr, cmdline.data(), cmdline.size());
  ram[kMultibootCmdlineAddr + cmdline.size()] = 0;
  return BootState{image.entry, kMultibootBootloaderMagic, kMultibootInfoAddr};
}

}  // namespace fs
