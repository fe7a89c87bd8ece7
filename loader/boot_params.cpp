#include "loader/boot_params.hpp"

#include <algorithm>
#include <cstring>

#include "loader/pc_memory_map.hpp"

namespace fs {
namespace {

template <typename T>
void put(std::span<std::uint8_t> zp, std::uint32_t at, T v) {
  std::memcpy(zp.data() + at, &v, sizeof v);  // x86 host, x86 guest: both little-endian
}

}  // namespace

void write_boot_params(std::span<std::uint8_t> zp, const BzImage& image,
                       const BootParamsInput& in) {
  std::fill(zp.begin(), zp.begin() + kBootParamsSize, std::uint8_t{0});
  std::copy(image.setup_header.begin(), image.setup_header.end(), zp.begin() + kSetupSects);
  put<std::uint8_t>(zp, kTypeOfLoader, kLoaderUndefined);
  put<std::uint8_t>(zp, kLoadFlags, image.loadflags | kCanUseHeap);
  put<std::uint16_t>(zp, kHeapEndPtr, kHeapEnd);
  put<std::uint32_t>(zp, kCmdLinePtr, in.cmdline_addr);
  put<std::uint32_t>(zp, kRamdiskImage, in.initrd_addr);
  put<std::uint32_t>(zp, kRamdiskSize, in.initrd_size);
  // alt_mem_k: KiB above 1 MiB, the e801 figure a BIOS loader would copy.
  put<std::uint32_t>(zp, kAltMemK, static_cast<std::uint32_t>((in.ram_size - (1u << 20)) >> 10));
  const std::vector<MemoryRange> map = pc_memory_map(in.ram_size);
  std::uint32_t at = kE820Table;
  for (const MemoryRange& r : map) {
    put<std::uint64_t>(zp, at, r.base);
    put<std::uint64_t>(zp, at + 8, r.length);
    put<std::uint32_t>(zp, at + 16, r.usable ? kE820Ram : kE820Reserved);
    at += kE820EntrySize;
  }
  put<std::uint8_t>(zp, kE820Entries, static_cast<std::uint8_t>(map.size()));
}

}  // namespace fs
