#include "loader/elf_handle.hpp"

#include <fmt/format.h>

#include <cstring>

#include "loader/load_error.hpp"

namespace fs {

std::string libelf_error() {
  const char* m = elf_errmsg(-1);
  return m != nullptr ? std::string(m) : std::string("unknown libelf error");
}

ElfHandle open_elf_memory(std::span<const std::uint8_t> f, std::string_view name) {
  if (f.empty()) throw LoadError(fmt::format("{}: empty file", name));
  if (elf_version(EV_CURRENT) == EV_NONE)
    throw LoadError(fmt::format("{}: libelf is out of date ({})", name, libelf_error()));
  const bool magic = f.size() >= SELFMAG && std::memcmp(f.data(), ELFMAG, SELFMAG) == 0;
  if (!magic) throw LoadError(fmt::format("{}: not an ELF file", name));
  // System V ABI, "ELF Identification": class and data encoding decide how the rest is read, so
  // they are checked before libelf is asked for any header.
  if (f.size() > EI_CLASS && f[EI_CLASS] != ELFCLASS32) {
    throw LoadError(fmt::format(
        "{}: not a 32-bit ELF file ({})", name,
        f[EI_CLASS] == ELFCLASS64 ? "ELFCLASS64" : fmt::format("class {}", f[EI_CLASS])));
  }
  if (f.size() > EI_DATA && f[EI_DATA] != ELFDATA2LSB) {
    throw LoadError(fmt::format(
        "{}: not a little-endian ELF file ({})", name,
        f[EI_DATA] == ELFDATA2MSB ? "ELFDATA2MSB" : fmt::format("encoding {}", f[EI_DATA])));
  }
  if (f.size() < sizeof(Elf32_Ehdr)) {
    throw LoadError(fmt::format("{}: truncated ELF header ({} bytes, need {})", name, f.size(),
                                sizeof(Elf32_Ehdr)));
  }
  ElfHandle elf(elf_memory(const_cast<char*>(reinterpret_cast<const char*>(f.data())), f.size()));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF)
    throw LoadError(fmt::format("{}: not an ELF file ({})", name, libelf_error()));
  if (elf32_getehdr(elf.get()) == nullptr)
    throw LoadError(fmt::format("{}: bad ELF header ({})", name, libelf_error()));
  return elf;
}

}  // namespace fs
