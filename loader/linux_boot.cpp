#include "loader/linux_boot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "loader/boot_params.hpp"
#include "loader/bzimage.hpp"
#include "loader/kernel_payload.hpp"
#include "loader/load_error.hpp"

namespace fs {
namespace {

constexpr std::uint64_t kPage = 4096;
// boot_params, the command line (at most 4 KiB here: every kernel's cmdline_size is below) and the
// GDT: no kernel segment may start below this (question 3).
constexpr std::uint32_t kBootAreaEnd = kLinuxCmdlineAddr + 4096;

std::string mib_text(std::uint64_t n) {
  return n % (1u << 20) == 0 ? fmt::format("{} MiB", n >> 20) : fmt::format("{} bytes", n);
}

void check_cmdline(const BzImage& bz, std::string_view name, std::string_view cmdline) {
  const std::size_t most =
      std::min<std::size_t>(bz.cmdline_size, kBootAreaEnd - kLinuxCmdlineAddr - 1);
  if (cmdline.size() > most) {
    throw LoadError(fmt::format("{}: kernel command line too long ({} bytes, this kernel takes {})",
                                name, cmdline.size(), most));
  }
  if (cmdline.find('\0') != std::string_view::npos)
    throw LoadError(fmt::format("{}: kernel command line contains a NUL byte", name));
}

// Question 2: the highest page-aligned address for `size` bytes below RAM's end and
// initrd_addr_max, refused when it would reach down into the kernel.
std::uint32_t place_initrd(const BzImage& bz, const LoadedImage& kernel, std::uint64_t ram_size,
                           std::uint64_t size, std::string_view initrd_name) {
  const std::uint64_t top = std::min(ram_size, std::uint64_t{bz.initrd_addr_max} + 1);
  const std::uint64_t kernel_end =
      std::max<std::uint64_t>(kernel.image_end, bz.pref_address + bz.init_size);
  if (size > top || (top - size) / kPage * kPage < kernel_end) {
    throw LoadError(
        fmt::format("{}: initrd of {} bytes does not fit between the kernel's end ({:#x}) and "
                    "{:#x} (--ram {}): "
                    "give more --ram",
                    initrd_name, size, kernel_end, top, mib_text(ram_size)));
  }
  return static_cast<std::uint32_t>((top - size) / kPage * kPage);
}

}  // namespace

std::vector<std::uint8_t> bzimage_vmlinux(std::span<const std::uint8_t> image,
                                          std::string_view name) {
  return decompress_payload(parse_bzimage(image, name).payload, name, kMaxVmlinux);
}

LinuxBoot load_linux(std::span<const std::uint8_t> image, std::string_view name,
                     std::span<const std::uint8_t> initrd, std::string_view initrd_name,
                     std::string_view cmdline, std::span<std::uint8_t> ram) {
  const BzImage bz = parse_bzimage(image, name);
  check_cmdline(bz, name, cmdline);
  LinuxBoot boot;
  boot.protocol = bz.protocol;
  boot.vmlinux = decompress_payload(bz.payload, name, kMaxVmlinux);
  const std::string vmlinux_name = fmt::format("{} (vmlinux)", name);
  boot.kernel = load_elf_segments(boot.vmlinux, vmlinux_name, ram);
  boot.kernel.name = std::string(name);
  for (const LoadedSegment& s : boot.kernel.segments) {
    if (s.paddr < kBootAreaEnd) {
      throw LoadError(fmt::format("{}: segment at {:#x} overlaps the boot area below {:#x}",
                                  vmlinux_name, s.paddr, kBootAreaEnd));
    }
  }
  if (!initrd.empty()) {
    boot.initrd_addr = place_initrd(bz, boot.kernel, ram.size(), initrd.size(), initrd_name);
    boot.initrd_size = static_cast<std::uint32_t>(initrd.size());
    std::memcpy(ram.data() + boot.initrd_addr, initrd.data(), initrd.size());
  }
  std::memcpy(ram.data() + kLinuxCmdlineAddr, cmdline.data(), cmdline.size());
  ram[kLinuxCmdlineAddr + cmdline.size()] = 0;
  BootParamsInput in;
  in.ram_size = ram.size();
  in.cmdline_addr = kLinuxCmdlineAddr;
  in.initrd_addr = boot.initrd_addr;
  in.initrd_size = boot.initrd_size;
  write_boot_params(ram.subspan(kBootParamsAddr, kBootParamsSize), bz, in);
  return boot;
}

}  // namespace fs
