// Loading a multiboot (v1) ELF32 i386 executable into guest RAM, as a multiboot boot loader would.
//
// What is accepted (each refusal is a LoadError, one line "name: problem"):
//  - a readable regular file (load_elf) holding an ELF image (System V ABI, "ELF Header"):
//  ELFCLASS32,
//    ELFDATA2LSB, EM_386, ET_EXEC, at least one non-empty PT_LOAD segment;
//  - a multiboot header (Multiboot Specification 0.6.96, 3.1.1): magic 0x1BADB002, 32-bit aligned,
//    wholly within the first 8192 bytes of the file, magic + flags + checksum == 0 (mod 2^32);
//  - header flags bits 0-15 are requirements (3.1.2): we honour bit 0 (page-align modules: we load
//  no
//    modules) and bit 1 (memory information: always given); any other bit in 0-15 is refused. Bit
//    16 (the a.out address fields) is recorded but not used, since an ELF image says where it goes
//    (3.1.3); bits 17-31 are optional features we may ignore.
//  - each PT_LOAD segment copied to p_paddr: p_filesz bytes from p_offset, then zeroes up to
//  p_memsz;
//    p_filesz <= p_memsz, [p_offset, p_offset + p_filesz) inside the file, [p_paddr, p_paddr +
//    p_memsz) inside RAM without wrapping past 4 GiB, no two segments overlapping;
//  - e_entry inside an executable (PF_X) loaded segment's [p_vaddr, p_vaddr + p_memsz).
//
// Open questions and the answers chosen:
//  1. Virtual or physical entry? The ELF entry is a virtual address. Like GRUB 2
//  (multiboot_elfxx.c)
//     we translate it through the segment that holds it: entry = e_entry - p_vaddr + p_paddr. Our
//     guests link with p_vaddr == p_paddr, where the two readings agree.
//  2. A magic word whose checksum fails: the search goes on (GRUB does the same, and the word may
//  be
//     ordinary data); only when no valid header exists is the first bad checksum reported.
//  3. PT_LOAD with p_memsz 0 loads nothing and is skipped, as if absent.
//  4. An entry in no segment's virtual range, but inside an executable segment's physical range,
//     is taken as physical: Linux's i386 vmlinux says ENTRY(phys_startup_32) (vmlinux.lds.S), so
//     its e_entry is startup_32's physical address while its segments are linked at 0xC0000000+.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loader/load_error.hpp"

namespace fs {

inline constexpr std::uint32_t kMultibootHeaderMagic = 0x1BADB002;
inline constexpr std::uint32_t kMultibootSearchBytes = 8192;  // 0.6.96 3.1.1
// 0.6.96 3.1.2 flags: the requirements (bits 0-15) we understand, and the a.out kludge bit.
inline constexpr std::uint32_t kMultibootPageAlign = 1u << 0;
inline constexpr std::uint32_t kMultibootMemoryInfo = 1u << 1;
inline constexpr std::uint32_t kMultibootVideoMode = 1u << 2;
inline constexpr std::uint32_t kMultibootAoutKludge = 1u << 16;
inline constexpr std::uint32_t kMultibootSupportedRequirements =
    kMultibootPageAlign | kMultibootMemoryInfo;

// The multiboot header as found in the file (0.6.96 3.1.1-3.1.3).
struct MultibootHeader {
  std::uint32_t offset = 0;  // file offset of the magic word
  std::uint32_t magic = 0, flags = 0, checksum = 0;
  // Present only when flags bit 16 is set (otherwise 0); recorded for reports, never used to load.
  std::uint32_t header_addr = 0, load_addr = 0, load_end_addr = 0, bss_end_addr = 0, entry_addr = 0;
};

struct LoadedSegment {
  std::uint32_t paddr = 0, filesz = 0, memsz = 0;
  std::uint32_t flags = 0;  // p_flags: PF_X 1, PF_W 2, PF_R 4
};

struct LoadedImage {
  std::string name;         // the path or name it was loaded from, for later messages
  std::uint32_t entry = 0;  // physical address of the first instruction (see question 1 above)
  std::vector<LoadedSegment> segments;  // in program header order
  MultibootHeader multiboot;
  std::uint32_t image_end = 0;  // highest paddr + memsz over all segments
};

// Loads the image at `path` into `ram` (guest-physical address 0 at index 0). Bytes of RAM outside
// the segments are left untouched. Throws LoadError; every check is made before RAM is written, so
// a refused image leaves RAM as it was.
LoadedImage load_elf(const std::string& path, std::span<std::uint8_t> ram);
// The same from bytes in memory; `name` stands for the file in messages.
LoadedImage load_elf_bytes(std::span<const std::uint8_t> file, std::string_view name,
                           std::span<std::uint8_t> ram);
// The same without the multiboot header: a plain i386 executable placed at its physical addresses
// (the vmlinux inside a Linux bzImage, loader/linux_boot.hpp).
LoadedImage load_elf_segments(std::span<const std::uint8_t> file, std::string_view name,
                              std::span<std::uint8_t> ram);
// The image's identity as traces record it: FNV-1a 64 (8 bytes, big-endian) over the entry point
// and every segment as loaded (paddr, memsz, then its memsz bytes of `ram`). Only what the guest
// executes counts: the same sources built in another directory (other debug info and symbol paths)
// give the same id, any change to code or data another.
std::vector<std::uint8_t> image_build_id(const LoadedImage& img, std::span<const std::uint8_t> ram);

// Reads a whole regular file. LoadError "path: no such file" / "not a regular file" / "cannot be
// read (reason)" / "file too large".
std::vector<std::uint8_t> read_file(const std::string& path);

}  // namespace fs
