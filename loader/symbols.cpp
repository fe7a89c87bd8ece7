#include "loader/symbols.hpp"

#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>

#include "loader/elf_image.hpp"

namespace fs {

SymbolTable SymbolTable::from_elf(const std::string& path) {
  return from_elf_bytes(read_file(path));
}

SymbolTable SymbolTable::from_elf_bytes(std::span<const std::uint8_t> file) {
  SymbolTable t;
  elf_version(EV_CURRENT);
  Elf* e = elf_memory(const_cast<char*>(reinterpret_cast<const char*>(file.data())), file.size());
  if (!e) return t;
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(e, scn)) != nullptr) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data) continue;
    const std::size_t n = sh.sh_size / sh.sh_entsize;
    for (std::size_t i = 0; i < n; ++i) {
      GElf_Sym s;
      if (!gelf_getsym(data, static_cast<int>(i), &s)) break;
      const int type = GELF_ST_TYPE(s.st_info);
      if (s.st_value == 0 || s.st_name == 0) continue;
      if (type != STT_FUNC && type != STT_NOTYPE && type != STT_OBJECT) continue;
      const char* name = elf_strptr(e, sh.sh_link, s.st_name);
      if (!name || !*name || name[0] == '.') continue;
      t.syms_.push_back({static_cast<std::uint32_t>(s.st_value),
                         static_cast<std::uint32_t>(s.st_size), type == STT_FUNC, name});
    }
  }
  elf_end(e);
  t.sort();
  return t;
}

void SymbolTable::add(std::string name, std::uint32_t addr, std::uint32_t size) {
  syms_.push_back({addr, size, true, std::move(name)});
  sort();
}

void SymbolTable::sort() {
  std::stable_sort(syms_.begin(), syms_.end(), [](const Sym& a, const Sym& b) {
    return a.addr != b.addr ? a.addr < b.addr : (a.func && !b.func);
  });
}

std::optional<std::uint32_t> SymbolTable::address_of(std::string_view name) const {
  for (const Sym& s : syms_)
    if (s.name == name) return s.addr;
  return std::nullopt;
}

std::optional<SymbolRef> SymbolTable::lookup(std::uint32_t addr) const {
  auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
                             [](std::uint32_t a, const Sym& s) { return a < s.addr; });
  if (it == syms_.begin()) return std::nullopt;
  --it;
  // Prefer the FUNC among symbols at the same address (sorted first).
  const std::uint32_t at = it->addr;
  while (it != syms_.begin() && std::prev(it)->addr == at) --it;
  return SymbolRef{it->name, addr - it->addr};
}

std::string SymbolTable::describe(std::uint32_t addr) const {
  auto r = lookup(addr);
  if (!r) return fmt::format("{:#010x}", addr);
  if (r->offset == 0) return std::string(r->name);
  return fmt::format("{}+{:#x}", r->name, r->offset);
}

}  // namespace fs
