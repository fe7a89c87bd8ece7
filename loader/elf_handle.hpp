// loader/ internal: a libelf handle over bytes in memory, opened only after the identification
// checks every reader of a guest image needs (ELF magic, ELFCLASS32, ELFDATA2LSB, a whole ELF
// header). Shared by elf_image.cpp and symbols.cpp so both refuse the same files with the same
// words.
#pragma once

#include <libelf.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace fs {

struct ElfEnd {
  void operator()(Elf* e) const { elf_end(e); }
};
using ElfHandle = std::unique_ptr<Elf, ElfEnd>;

// Returns a handle on which elf32_getehdr() succeeds. LoadError "name: empty file" / "not an ELF
// file" / "truncated ELF header" / "not a 32-bit ELF file" / "not a little-endian ELF file".
// The bytes must outlive the handle; libelf only reads them (a native-order ELF32 image is used in
// place, never converted, so the const_cast inside is sound).
ElfHandle open_elf_memory(std::span<const std::uint8_t> file, std::string_view name);

// libelf's last error as text ("unknown libelf error" when it has none to give).
std::string libelf_error();

}  // namespace fs
