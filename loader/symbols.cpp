#include "loader/symbols.hpp"

#include <fmt/format.h>
#include <gelf.h>

#include <algorithm>
#include <cctype>
#include <tuple>

#include "loader/elf_handle.hpp"
#include "loader/elf_image.hpp"

namespace fs {

SymbolTable SymbolTable::from_elf(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file(path);
  return from_elf_bytes(bytes, path);
}

SymbolTable SymbolTable::from_elf_bytes(std::span<const std::uint8_t> file, std::string_view name) {
  SymbolTable t;
  ElfHandle elf = open_elf_memory(file, name);
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf.get(), scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr || sh.sh_type != SHT_SYMTAB) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) continue;
    // gelf_getsym() checks each index against the data, and elf_strptr() each name against its
    // string table (bounds and NUL), so a damaged table loses symbols rather than reading astray.
    const std::size_t count = data->d_size / sizeof(Elf32_Sym);
    for (std::size_t i = 1; i < count; ++i) {  // entry 0 is the reserved undefined symbol
      GElf_Sym s;
      if (gelf_getsym(data, static_cast<int>(i), &s) == nullptr) break;
      if (s.st_value == 0 || s.st_name == 0) continue;
      if (s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS) continue;
      Kind kind;
      switch (GELF_ST_TYPE(s.st_info)) {
        case STT_FUNC:
          kind = Kind::kFunc;
          break;
        case STT_OBJECT:
          kind = Kind::kObject;
          break;
        case STT_NOTYPE:
          kind = Kind::kNoType;
          break;
        default:
          continue;  // STT_SECTION, STT_FILE, STT_TLS...
      }
      const char* sym_name = elf_strptr(elf.get(), sh.sh_link, s.st_name);
      if (sym_name == nullptr || sym_name[0] == '\0' || sym_name[0] == '.') continue;
      t.push(sym_name, static_cast<std::uint32_t>(s.st_value),
             static_cast<std::uint32_t>(s.st_size), kind, GELF_ST_BIND(s.st_info) == STB_LOCAL);
    }
  }
  t.build_index();
  return t;
}

SymbolTable SymbolTable::from_nm(std::span<const NmSymbol> syms) {
  SymbolTable t;
  for (const NmSymbol& s : syms) {
    const char up = static_cast<char>(std::toupper(static_cast<unsigned char>(s.type)));
    if (up == 'A' || up == 'U' || s.name.empty()) continue;
    const Kind kind = (up == 'T' || up == 'W') ? Kind::kFunc : Kind::kObject;
    // nm: lower case is local, except w/v, which are weak (not local) without a default.
    const bool local = s.type != up && up != 'W' && up != 'V';
    t.push(s.name, s.addr, 0, kind, local);
  }
  t.build_index();
  return t;
}

void SymbolTable::add(std::string name, std::uint32_t addr, std::uint32_t size) {
  push(std::move(name), addr, size, Kind::kFunc, false);
  build_index();
}

void SymbolTable::merge(const SymbolTable& other, std::string_view prefix) {
  for (const Sym& o : other.syms_)
    push(std::string(prefix) + o.name, o.addr, o.size, o.kind, o.local);
  build_index();
}

void SymbolTable::push(std::string name, std::uint32_t addr, std::uint32_t size, Kind kind,
                       bool local) {
  const auto order = static_cast<std::uint32_t>(syms_.size());
  syms_.push_back(Sym{addr, size, kind, local, order, std::move(name)});
}

void SymbolTable::build_index() {
  auto rank = [](const Sym& s) { return std::tuple(s.kind, s.local, s.order); };
  std::sort(syms_.begin(), syms_.end(), [&](const Sym& a, const Sym& b) {
    return std::tuple(a.addr, rank(a)) < std::tuple(b.addr, rank(b));
  });
  addrs_.clear();
  best_.clear();
  for (std::uint32_t i = 0; i < syms_.size(); ++i) {
    if (!addrs_.empty() && addrs_.back() == syms_[i].addr) continue;  // ranked below the first
    addrs_.push_back(syms_[i].addr);
    best_.push_back(i);
  }
  by_name_.resize(syms_.size());
  for (std::uint32_t i = 0; i < syms_.size(); ++i) by_name_[i] = i;
  std::sort(by_name_.begin(), by_name_.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::tuple(std::string_view(syms_[a].name), rank(syms_[a])) <
           std::tuple(std::string_view(syms_[b].name), rank(syms_[b]));
  });
}

std::optional<std::uint32_t> SymbolTable::address_of(std::string_view name) const {
  auto it =
      std::lower_bound(by_name_.begin(), by_name_.end(), name,
                       [&](std::uint32_t i, std::string_view n) { return syms_[i].name < n; });
  if (it == by_name_.end() || syms_[*it].name != name) return std::nullopt;
  return syms_[*it].addr;
}

std::optional<SymbolRef> SymbolTable::lookup(std::uint32_t addr) const {
  if (addr >= alias_lo_ && addr < alias_hi_) addr += alias_delta_;
  auto it = std::upper_bound(addrs_.begin(), addrs_.end(), addr);
  if (it == addrs_.begin() || addr >= limit_) return std::nullopt;
  const Sym& s = syms_[best_[static_cast<std::size_t>(it - addrs_.begin()) - 1]];
  return SymbolRef{s.name, addr - s.addr};
}

std::string SymbolTable::describe(std::uint32_t addr) const {
  const std::optional<SymbolRef> r = lookup(addr);
  if (!r) return fmt::format("{:#010x}", addr);
  if (r->offset == 0) return std::string(r->name);
  return fmt::format("{}+{:#x}", r->name, r->offset);
}

}  // namespace fs
