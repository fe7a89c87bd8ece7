// Booting a Linux/x86 bzImage through the 32-bit boot protocol (Documentation/x86/boot.rst,
// "32-BIT BOOT PROTOCOL"), with the payload decompressed on the host (loader/kernel_payload.hpp):
// the vmlinux's PT_LOAD segments go to their physical addresses, the initrd high in RAM, the
// command line and boot_params low, and the CPU starts at startup_32 (arch/x86/kernel/head_32.S).
//
// Open questions and the answers chosen:
//  1. Where does vmlinux go? At its p_paddr, which is LOAD_PHYSICAL_ADDR for every segment of an
//     i386 vmlinux: where the kernel's own decompressor would put a non-randomised kernel, so its
//     relocations (appended after the ELF, CONFIG_X86_NEED_RELOCS) need not be applied. No KASLR:
//     that lives in the decompressor, which does not run.
//  2. Where does the initrd go? As high as RAM and initrd_addr_max allow, page-aligned (boot.rst:
//     "as high as possible"), and above everything the kernel claims: its segments and
//     [pref_address, pref_address + init_size). When that does not fit, the image is refused:
//     --ram is too small for this initrd.
//  3. Where do boot_params and the command line go? Conventional memory, as a BIOS loader would:
//     boot_params at 0x10000, the command line at 0x20000, ESP 0x10000 (startup_32 sets its own
//     stack before it uses one). The GDT (flat __BOOT_CS 0x10 / __BOOT_DS 0x18) is the machine's
//     job (emu/unicorn_cpu.hpp) and lies at 0x600, below all of these.
//  4. The command line: at most the image's cmdline_size bytes, no NUL inside (boot.rst).
//  5. RAM is written only after the image, the initrd and the command line have passed every
//     check except the initrd's placement, which needs the kernel's extent: a refusal then leaves
//     the kernel in RAM (the machine is not run after a LoadError).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "loader/elf_image.hpp"

namespace fs {

inline constexpr std::uint32_t kBootParamsAddr = 0x10000, kLinuxCmdlineAddr = 0x20000,
                               kLinuxBootEsp = 0x10000;
// boot.rst: "__BOOT_CS(0x10) ... __BOOT_DS(0x18)".
inline constexpr std::uint16_t kBootCs = 0x10, kBootDs = 0x18;
// A decompressed kernel larger than this is a corrupt payload, not a kernel (question 3 of
// loader/kernel_payload.hpp).
inline constexpr std::size_t kMaxVmlinux = std::size_t{256} << 20;

struct LinuxBoot {
  LoadedImage kernel;  // the vmlinux as placed; kernel.entry is startup_32's physical address
  std::uint32_t esi = kBootParamsAddr;  // boot_params
  std::uint32_t initrd_addr = 0, initrd_size = 0;
  std::uint16_t protocol = 0;         // the image's boot protocol version
  std::vector<std::uint8_t> vmlinux;  // the decompressed payload (ELF, then relocations)
};

// The decompressed payload of a bzImage: the vmlinux ELF (then its relocations). LoadError as
// load_linux. For readers of a trace recorded from a bzImage (its code and build id).
std::vector<std::uint8_t> bzimage_vmlinux(std::span<const std::uint8_t> image,
                                          std::string_view name);

// Loads `image` (a bzImage's bytes, `name` for messages) and `initrd` (empty: none) into `ram` and
// writes boot_params. Throws LoadError, one line.
LinuxBoot load_linux(std::span<const std::uint8_t> image, std::string_view name,
                     std::span<const std::uint8_t> initrd, std::string_view initrd_name,
                     std::string_view cmdline, std::span<std::uint8_t> ram);

}  // namespace fs
