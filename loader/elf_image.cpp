#include "loader/elf_image.hpp"

#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

namespace fs {
namespace {

// Multiboot Specification 0.6.96, 3.1.1-3.1.2: the header lies 4-byte aligned within the first 8192
// bytes; flags bits 0-15 are requirements the loader must understand.
constexpr std::uint32_t kMultibootMagic = 0x1BADB002;
constexpr std::uint32_t kMultibootSearch = 8192;
constexpr std::uint32_t kUnderstoodFlags = 0x3;  // bit 0 page-align modules, bit 1 memory info

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};

MultibootHeader find_multiboot(std::span<const std::uint8_t> f, std::string_view name) {
  const std::size_t end = std::min<std::size_t>(f.size(), kMultibootSearch);
  for (std::size_t off = 0; off + 12 <= end; off += 4) {
    std::uint32_t w[3];
    std::memcpy(w, f.data() + off, 12);
    if (w[0] != kMultibootMagic) continue;
    if (static_cast<std::uint32_t>(w[0] + w[1] + w[2]) != 0) {
      throw LoadError(
          fmt::format("{}: multiboot header at offset {:#x} has a bad checksum", name, off));
    }
    if (w[1] & 0xFFFF & ~kUnderstoodFlags) {
      throw LoadError(
          fmt::format("{}: multiboot header requires flags {:#x} that forkscope does not support",
                      name, w[1] & 0xFFFF & ~kUnderstoodFlags));
    }
    return MultibootHeader{static_cast<std::uint32_t>(off), w[0], w[1], w[2]};
  }
  throw LoadError(fmt::format("{}: no multiboot header in the first 8 KiB", name));
}

}  // namespace

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw LoadError(fmt::format("{}: no such file", path));
  if (!std::filesystem::is_regular_file(path, ec))
    throw LoadError(fmt::format("{}: not a regular file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw LoadError(fmt::format("{}: cannot be read", path));
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

LoadedImage load_elf(const std::string& path, std::span<std::uint8_t> ram) {
  std::vector<std::uint8_t> bytes = read_file(path);
  return load_elf_bytes(bytes, path, ram);
}

LoadedImage load_elf_bytes(std::span<const std::uint8_t> f, std::string_view name,
                           std::span<std::uint8_t> ram) {
  if (f.size() < 4 || std::memcmp(f.data(),
                                  "\x7f"
                                  "ELF",
                                  4) != 0)
    throw LoadError(fmt::format("{}: not an ELF file", name));
  if (f.size() < sizeof(Elf32_Ehdr)) throw LoadError(fmt::format("{}: truncated ELF header", name));
  if (f[EI_CLASS] != ELFCLASS32) throw LoadError(fmt::format("{}: not a 32-bit ELF file", name));
  if (f[EI_DATA] != ELFDATA2LSB)
    throw LoadError(fmt::format("{}: not a little-endian ELF file", name));
  elf_version(EV_CURRENT);
  std::unique_ptr<Elf, ElfCloser> elf(
      elf_memory(const_cast<char*>(reinterpret_cast<const char*>(f.data())), f.size()));
  if (!elf) throw LoadError(fmt::format("{}: libelf: {}", name, elf_errmsg(-1)));
  Elf32_Ehdr* eh = elf32_getehdr(elf.get());
  if (!eh) throw LoadError(fmt::format("{}: bad ELF header ({})", name, elf_errmsg(-1)));
  if (eh->e_machine != EM_386)
    throw LoadError(fmt::format("{}: not an i386 executable (e_machine {})", name, eh->e_machine));
  if (eh->e_type != ET_EXEC)
    throw LoadError(fmt::format("{}: not an executable (ET_EXEC) ELF file", name));
  if (std::uint64_t{eh->e_phoff} + std::uint64_t{eh->e_phnum} * sizeof(Elf32_Phdr) > f.size())
    throw LoadError(
        fmt::format("{}: truncated: program headers lie beyond the end of the file", name));
  LoadedImage img;
  img.multiboot = find_multiboot(f, name);
  img.entry = eh->e_entry;
  Elf32_Phdr* ph = elf32_getphdr(elf.get());
  if (!ph && eh->e_phnum)
    throw LoadError(fmt::format("{}: bad program headers ({})", name, elf_errmsg(-1)));
  bool entry_ok = false;
  for (unsigned i = 0; i < eh->e_phnum; ++i) {
    const Elf32_Phdr& p = ph[i];
    if (p.p_type != PT_LOAD || p.p_memsz == 0) continue;
    if (p.p_filesz > p.p_memsz)
      throw LoadError(fmt::format("{}: segment {} has p_filesz {:#x} > p_memsz {:#x}", name, i,
                                  p.p_filesz, p.p_memsz));
    if (std::uint64_t{p.p_offset} + p.p_filesz > f.size())
      throw LoadError(fmt::format(
          "{}: truncated: segment {} [{:#x}, {:#x}) lies beyond the end of the file ({:#x} bytes)",
          name, i, p.p_offset, std::uint64_t{p.p_offset} + p.p_filesz, f.size()));
    const std::uint64_t end = std::uint64_t{p.p_paddr} + p.p_memsz;
    if (end > ram.size())
      throw LoadError(fmt::format("{}: segment {} [{:#010x}, {:#010x}) lies outside RAM ({} MiB)",
                                  name, i, p.p_paddr, end, ram.size() >> 20));
    std::memcpy(ram.data() + p.p_paddr, f.data() + p.p_offset, p.p_filesz);
    std::memset(ram.data() + p.p_paddr + p.p_filesz, 0, p.p_memsz - p.p_filesz);
    img.segments.push_back({p.p_paddr, p.p_filesz, p.p_memsz, p.p_flags});
    img.image_end = std::max<std::uint32_t>(img.image_end, static_cast<std::uint32_t>(end));
    if ((p.p_flags & PF_X) && eh->e_entry >= p.p_paddr && eh->e_entry < end) entry_ok = true;
  }
  if (img.segments.empty()) throw LoadError(fmt::format("{}: no loadable segment", name));
  if (!entry_ok)
    throw LoadError(
        fmt::format("{}: entry point {:#010x} is not in an executable segment", name, eh->e_entry));
  return img;
}

}  // namespace fs
