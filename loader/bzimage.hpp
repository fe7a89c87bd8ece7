// A Linux/x86 bzImage as a boot loader reads it: the real-mode setup code with its header, then the
// protected-mode part whose payload is the compressed vmlinux (Documentation/x86/boot.rst, "THE
// REAL-MODE KERNEL HEADER" and "DETAILS OF HEADER FIELDS").
//
// Open questions and the answers chosen:
//  1. Which protocol versions? forkscope decompresses the payload itself, so it needs
//     payload_offset/payload_length, which came with protocol 2.08 (Linux 2.6.26). Older images
//     are refused by version; 2.06 would do for the 32-bit entry alone, but not for finding the
//     vmlinux inside.
//  2. setup_sects 0 means 4 (boot.rst: "for backwards compatibility").
//  3. How much of the header goes into boot_params? boot.rst: the header ends at 0x202 plus the
//     byte at 0x201 (the jump over it); that end must lie before 0x290, where boot_params' next
//     field (edd_mbr_sig_buffer) starts, and within the setup sectors.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace fs {

// boot.rst field offsets, in the file and in boot_params (the header is copied at the same place).
inline constexpr std::uint32_t kSetupSects = 0x1F1, kBootFlag = 0x1FE, kHeaderMagicAt = 0x202,
                               kProtocolVersion = 0x206, kTypeOfLoader = 0x210, kLoadFlags = 0x211,
                               kRamdiskImage = 0x218, kRamdiskSize = 0x21C, kHeapEndPtr = 0x224,
                               kCmdLinePtr = 0x228, kInitrdAddrMax = 0x22C,
                               kKernelAlignment = 0x230, kRelocatableKernel = 0x234,
                               kCmdlineSize = 0x238, kPayloadOffset = 0x248, kPayloadLength = 0x24C,
                               kPrefAddress = 0x258, kInitSize = 0x260;
inline constexpr std::uint32_t kHeaderMagic = 0x53726448;  // "HdrS"
inline constexpr std::uint16_t kBootFlagValue = 0xAA55;
inline constexpr std::uint16_t kMinProtocol = 0x0208;      // question 1
inline constexpr std::uint32_t kSetupHeaderLimit = 0x290;  // question 3
// loadflags bits (boot.rst).
inline constexpr std::uint8_t kLoadedHigh = 0x01, kCanUseHeap = 0x80;

struct BzImage {
  std::uint16_t protocol = 0;  // e.g. 0x020f
  std::uint8_t loadflags = 0;
  std::uint32_t initrd_addr_max = 0;  // highest address the initrd may occupy (inclusive)
  std::uint32_t cmdline_size = 0;     // longest command line, without its NUL
  std::uint32_t kernel_alignment = 0;
  std::uint64_t pref_address = 0;  // 2.10+, else 0
  std::uint32_t init_size = 0;     // 2.10+, else 0: bytes the kernel needs from pref_address
  std::span<const std::uint8_t> setup_header;  // file bytes [0x1F1, header end), question 3
  std::span<const std::uint8_t> payload;       // the compressed vmlinux
};

// True when `file` has a bzImage's boot_flag and "HdrS" signature, whatever its version: a file
// that says it is one is read as one (and refused with a reason if it is a bad one).
bool is_bzimage(std::span<const std::uint8_t> file);

// The header fields and the payload. LoadError "name: ..." when the file is not a bzImage, is
// truncated, has a protocol older than 2.08, or its payload lies outside the file.
BzImage parse_bzimage(std::span<const std::uint8_t> file, std::string_view name);

}  // namespace fs
