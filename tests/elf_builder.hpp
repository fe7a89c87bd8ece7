// Builds ELF32 i386 images in memory for the loader tests: a header, program headers, segment bytes
// (the first holding a multiboot header), and optionally .symtab/.strtab. Tests start from a valid
// image and break one thing, either through the builder's fields or by patching the built bytes.
//
// File layout of build(): ELF header at 0, program headers at 52, each segment's bytes at the next
// 16-aligned offset, then (with sections) .symtab, .strtab, .shstrtab and the section headers:
// [0] null, [1] .text (the first segment), [2] .symtab, [3] .strtab, [4] .shstrtab.
#pragma once

#include <elf.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace fs::test {

struct ElfBuilder {
  struct Segment {
    std::uint32_t type = PT_LOAD;
    std::uint32_t paddr = 0, vaddr = 0;
    std::uint32_t memsz = 0;  // at least data.size() unless a test breaks it
    std::uint32_t flags = PF_R;
    std::vector<std::uint8_t> data;  // p_filesz = data.size()
  };
  struct Multiboot {
    std::uint32_t magic = 0x1BADB002, flags = 0x3;
    std::uint32_t checksum_error = 0;  // added to the right checksum
    std::uint32_t at = 0;              // offset inside the first segment's data
    std::vector<std::uint32_t> extra;  // words after the checksum (flag 16 address fields)
  };
  struct Symbol {
    std::string name;
    std::uint32_t value = 0, size = 0;
    unsigned char type = STT_FUNC, bind = STB_GLOBAL;
    std::uint16_t shndx = 1;  // .text
  };

  unsigned char ei_class = ELFCLASS32, ei_data = ELFDATA2LSB;
  std::uint16_t e_type = ET_EXEC, e_machine = EM_386;
  std::uint32_t e_entry = 0x10000C;
  std::vector<Segment> segments;
  std::optional<Multiboot> multiboot = Multiboot{};
  bool sections = false;  // emit section headers (.text, .shstrtab) even without symbols
  std::vector<Symbol> symbols;

  // The default: one R+X PT_LOAD at 1 MiB with 16 file bytes (the multiboot header, then `hlt` at
  // 0x10000C, the entry) and 64 bytes of memory, the last 48 of them bss.
  ElfBuilder() {
    Segment text;
    text.paddr = text.vaddr = 0x100000;
    text.flags = PF_R | PF_X;
    text.data.assign(16, 0);
    text.data[12] = 0xF4;  // hlt
    text.memsz = 64;
    segments.push_back(text);
  }

  ElfBuilder& add_segment(std::uint32_t paddr, std::vector<std::uint8_t> data, std::uint32_t memsz,
                          std::uint32_t flags = PF_R | PF_W) {
    Segment s;
    s.paddr = s.vaddr = paddr;
    s.data = std::move(data);
    s.memsz = memsz;
    s.flags = flags;
    segments.push_back(std::move(s));
    return *this;
  }
  ElfBuilder& add_symbol(std::string name, std::uint32_t value, std::uint32_t size = 0,
                         unsigned char type = STT_FUNC, unsigned char bind = STB_GLOBAL,
                         std::uint16_t shndx = 1) {
    symbols.push_back(Symbol{std::move(name), value, size, type, bind, shndx});
    return *this;
  }

  std::vector<std::uint8_t> build() const {
    std::vector<std::uint8_t> out(sizeof(Elf32_Ehdr) + segments.size() * sizeof(Elf32_Phdr), 0);
    std::vector<std::uint32_t> offsets;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      std::vector<std::uint8_t> data = segments[i].data;
      if (i == 0 && multiboot) write_multiboot(data);
      offsets.push_back(append(out, data));
    }

    Elf32_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ei_class;
    eh.e_ident[EI_DATA] = ei_data;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = e_type;
    eh.e_machine = e_machine;
    eh.e_version = EV_CURRENT;
    eh.e_entry = e_entry;
    eh.e_phoff = sizeof(Elf32_Ehdr);
    eh.e_ehsize = sizeof(Elf32_Ehdr);
    eh.e_phentsize = sizeof(Elf32_Phdr);
    eh.e_phnum = static_cast<std::uint16_t>(segments.size());
    eh.e_shentsize = sizeof(Elf32_Shdr);

    for (std::size_t i = 0; i < segments.size(); ++i) {
      const Segment& s = segments[i];
      Elf32_Phdr ph{};
      ph.p_type = s.type;
      ph.p_offset = offsets[i];
      ph.p_vaddr = s.vaddr;
      ph.p_paddr = s.paddr;
      ph.p_filesz = static_cast<std::uint32_t>(s.data.size());
      ph.p_memsz = s.memsz;
      ph.p_flags = s.flags;
      ph.p_align = 16;
      put(out, sizeof(Elf32_Ehdr) + i * sizeof(Elf32_Phdr), ph);
    }
    if (sections || !symbols.empty()) add_sections(out, eh, offsets);
    put(out, 0, eh);
    return out;
  }

  // Hand-breaking helpers on built bytes (memcpy in and out: no aliasing games).
  template <class T>
  static T get(const std::vector<std::uint8_t>& b, std::size_t off) {
    T v;
    std::memcpy(&v, b.data() + off, sizeof v);
    return v;
  }
  template <class T>
  static void put(std::vector<std::uint8_t>& b, std::size_t off, const T& v) {
    std::memcpy(b.data() + off, &v, sizeof v);
  }
  template <class F>
  static void patch_ehdr(std::vector<std::uint8_t>& b, F f) {
    auto eh = get<Elf32_Ehdr>(b, 0);
    f(eh);
    put(b, 0, eh);
  }
  template <class F>
  static void patch_phdr(std::vector<std::uint8_t>& b, std::size_t i, F f) {
    const std::size_t off = get<Elf32_Ehdr>(b, 0).e_phoff + i * sizeof(Elf32_Phdr);
    auto ph = get<Elf32_Phdr>(b, off);
    f(ph);
    put(b, off, ph);
  }

 private:
  static std::uint32_t append(std::vector<std::uint8_t>& out, const std::vector<std::uint8_t>& d) {
    out.resize((out.size() + 15) & ~std::size_t{15}, 0);
    const auto at = static_cast<std::uint32_t>(out.size());
    out.insert(out.end(), d.begin(), d.end());
    return at;
  }

  void write_multiboot(std::vector<std::uint8_t>& data) const {
    const Multiboot& m = *multiboot;
    std::vector<std::uint32_t> words = {m.magic, m.flags, -(m.magic + m.flags) + m.checksum_error};
    words.insert(words.end(), m.extra.begin(), m.extra.end());
    if (data.size() < m.at + 4 * words.size()) data.resize(m.at + 4 * words.size(), 0);
    std::memcpy(data.data() + m.at, words.data(), 4 * words.size());
  }

  void add_sections(std::vector<std::uint8_t>& out, Elf32_Ehdr& eh,
                    const std::vector<std::uint32_t>& offsets) const {
    // ELF requires the local symbols first; sh_info is the index of the first non-local one.
    std::vector<Symbol> sorted;
    for (const Symbol& s : symbols)
      if (s.bind == STB_LOCAL) sorted.push_back(s);
    const auto first_global = static_cast<std::uint32_t>(sorted.size() + 1);
    for (const Symbol& s : symbols)
      if (s.bind != STB_LOCAL) sorted.push_back(s);

    std::vector<std::uint8_t> strtab(1, 0), symtab(sizeof(Elf32_Sym), 0);
    for (const Symbol& s : sorted) {
      Elf32_Sym sym{};
      sym.st_name = s.name.empty() ? 0 : static_cast<std::uint32_t>(strtab.size());
      strtab.insert(strtab.end(), s.name.begin(), s.name.end());
      if (!s.name.empty()) strtab.push_back(0);
      sym.st_value = s.value;
      sym.st_size = s.size;
      sym.st_info = static_cast<unsigned char>(ELF32_ST_INFO(s.bind, s.type));
      sym.st_shndx = s.shndx;
      const auto at = symtab.size();
      symtab.resize(at + sizeof sym);
      std::memcpy(symtab.data() + at, &sym, sizeof sym);
    }
    const std::string shstr("\0.text\0.symtab\0.strtab\0.shstrtab\0", 33);
    const std::vector<std::uint8_t> shstrtab(shstr.begin(), shstr.end());

    std::vector<Elf32_Shdr> sh(1);  // [0] SHN_UNDEF
    Elf32_Shdr text{};
    text.sh_name = 1;
    text.sh_type = SHT_PROGBITS;
    text.sh_flags = SHF_ALLOC | SHF_EXECINSTR;
    if (!segments.empty()) {
      text.sh_addr = segments[0].vaddr;
      text.sh_offset = offsets[0];
      text.sh_size = static_cast<std::uint32_t>(segments[0].data.size());
    }
    text.sh_addralign = 1;
    sh.push_back(text);
    const bool with_symtab = !symbols.empty();
    if (with_symtab) {
      Elf32_Shdr st{};
      st.sh_name = 7;
      st.sh_type = SHT_SYMTAB;
      st.sh_offset = append(out, symtab);
      st.sh_size = static_cast<std::uint32_t>(symtab.size());
      st.sh_link = 3;
      st.sh_info = first_global;
      st.sh_addralign = 4;
      st.sh_entsize = sizeof(Elf32_Sym);
      sh.push_back(st);
      Elf32_Shdr str{};
      str.sh_name = 15;
      str.sh_type = SHT_STRTAB;
      str.sh_offset = append(out, strtab);
      str.sh_size = static_cast<std::uint32_t>(strtab.size());
      str.sh_addralign = 1;
      sh.push_back(str);
    }
    Elf32_Shdr shs{};
    shs.sh_name = 23;
    shs.sh_type = SHT_STRTAB;
    shs.sh_offset = append(out, shstrtab);
    shs.sh_size = static_cast<std::uint32_t>(shstrtab.size());
    shs.sh_addralign = 1;
    sh.push_back(shs);

    out.resize((out.size() + 15) & ~std::size_t{15}, 0);
    eh.e_shoff = static_cast<std::uint32_t>(out.size());
    eh.e_shnum = static_cast<std::uint16_t>(sh.size());
    eh.e_shstrndx = static_cast<std::uint16_t>(sh.size() - 1);
    for (const Elf32_Shdr& s : sh) {
      const auto at = out.size();
      out.resize(at + sizeof s);
      std::memcpy(out.data() + at, &s, sizeof s);
    }
  }
};

// A file holding `bytes` under the temp directory, removed with the object. The name carries the
// pid and a tag, since CTest runs test cases in parallel processes.
class TempFile {
 public:
  TempFile(const std::string& tag, const std::vector<std::uint8_t>& bytes)
      : path_(std::filesystem::temp_directory_path() /
              ("forkscope-" + std::to_string(::getpid()) + "-" + tag)) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace fs::test
