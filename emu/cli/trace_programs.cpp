// emu/cli/trace_programs.hpp: programs from the kernel image's table or from an initramfs, each
// an ELF32 executable whose PT_LOAD segments (file bytes, zero-filled to memsz) and symbols are
// kept.
#include "emu/cli/trace_programs.hpp"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>

#include "loader/elf_image.hpp"
#include "loader/initramfs.hpp"
#include "loader/load_error.hpp"
#include "trace/trace_codec.hpp"

namespace fs::cli {

namespace {

std::uint32_t ram32(const std::vector<std::uint8_t>& ram, std::uint32_t a) {
  std::uint32_t v = 0;
  if (a < ram.size() && ram.size() - a >= 4) std::memcpy(&v, ram.data() + a, 4);
  return v;
}

// An ELF32 executable as a program named name, with the kernel's symbols and its own ("name:main");
// nullopt when the bytes are not one.
std::optional<OpenTrace::Program> program_from_elf(std::span<const std::uint8_t> file,
                                                   const std::string& name,
                                                   const SymbolTable& kernel) {
  const std::size_t size = file.size();
  if (size < sizeof(Elf32_Ehdr)) return std::nullopt;
  Elf32_Ehdr eh;
  std::memcpy(&eh, file.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS32 ||
      eh.e_phentsize != sizeof(Elf32_Phdr))
    return std::nullopt;
  OpenTrace::Program prog;
  prog.name = name;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const std::uint64_t at = std::uint64_t{eh.e_phoff} + i * sizeof(Elf32_Phdr);
    if (at + sizeof(Elf32_Phdr) > size) break;
    Elf32_Phdr ph;
    std::memcpy(&ph, file.data() + at, sizeof ph);
    if (ph.p_type != PT_LOAD || ph.p_memsz > (16u << 20) || ph.p_filesz > ph.p_memsz ||
        std::uint64_t{ph.p_offset} + ph.p_filesz > size)
      continue;
    OpenTrace::UserSegment seg;
    seg.vaddr = ph.p_vaddr;
    seg.bytes.assign(ph.p_memsz, 0);
    std::memcpy(seg.bytes.data(), file.data() + ph.p_offset, ph.p_filesz);
    prog.code.push_back(std::move(seg));
  }
  prog.symbols = kernel;
  try {
    prog.symbols.merge(SymbolTable::from_elf_bytes(file, name), name + ":");
  } catch (const LoadError&) {
  }
  std::uint64_t end = prog.symbols.limit();  // the kernel's end, raised to the program's
  for (const OpenTrace::UserSegment& seg : prog.code)
    end = std::max<std::uint64_t>(end, std::uint64_t{seg.vaddr} + seg.bytes.size());
  prog.symbols.set_limit(end);
  return prog;
}

}  // namespace

void add_user_programs(OpenTrace& t) {
  auto table = t.symbols.address_of("user_programs");
  if (!table) return;
  for (std::uint32_t e = *table; e + 12 <= t.code.size(); e += 12) {
    const std::uint32_t name_at = ram32(t.code, e), image = ram32(t.code, e + 4),
                        size = ram32(t.code, e + 8);
    if (!name_at) break;
    if (image >= t.code.size() || t.code.size() - image < size) break;
    std::string name;
    for (std::uint32_t a = name_at; a < t.code.size() && t.code[a] && name.size() < 64; ++a)
      name += static_cast<char>(t.code[a]);
    auto prog = program_from_elf({t.code.data() + image, size}, name, t.symbols);
    if (prog) t.programs.push_back(std::move(*prog));
  }
}

void add_initrd_programs(OpenTrace& t, const std::string& initrd, const std::string& trace) {
  const std::string* recorded = t.reader.header().option("initrd");
  if (!recorded)
    throw CliError(fmt::format("{}: recorded without --initrd: {} is not its", trace, initrd));
  std::vector<std::uint8_t> bytes;
  try {
    bytes = read_file(initrd);
  } catch (const LoadError& e) {
    throw CliError(e.what());
  }
  const std::string here = fmt::format("{} bytes fnv1a64 {:016x}", bytes.size(),
                                       trace::codec::fnv1a64(bytes.data(), bytes.size()));
  if (here != *recorded)
    throw CliError(fmt::format("{}: not the initrd {} was recorded with ({}, not {})", initrd,
                               trace, here, *recorded));
  std::vector<InitramfsFile> files;
  try {
    files = read_initramfs(bytes, initrd);
  } catch (const LoadError& e) {
    throw CliError(e.what());
  }
  for (const InitramfsFile& f : files) {
    std::string comm = f.path.substr(f.path.rfind('/') + 1);  // npos + 1 == 0: no directory
    comm.resize(std::min<std::size_t>(comm.size(), 15));
    auto prog = program_from_elf(f.bytes, comm, t.symbols);
    if (prog) t.programs.push_back(std::move(*prog));
  }
}

int program_named(const OpenTrace& t, std::string_view comm) {
  for (std::size_t k = 0; k < t.programs.size(); ++k)
    if (t.programs[k].name == comm) return static_cast<int>(k);
  return -1;
}

std::span<const trace::Event> track_programs(OpenTrace& t, std::span<const trace::Event> events) {
  for (const trace::Event& e : events) t.track(e);
  return events;
}

}  // namespace fs::cli
