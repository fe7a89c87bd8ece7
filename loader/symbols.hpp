// The guest's symbol table: address -> function+offset for every report and trace.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fs {

struct SymbolRef {
  std::string_view name;
  std::uint32_t offset = 0;
};

class SymbolTable {
 public:
  // FUNC, NOTYPE (assembly labels such as ret_from_fork) and OBJECT symbols from .symtab; an image
  // without .symtab gives an empty table.
  static SymbolTable from_elf(const std::string& path);
  static SymbolTable from_elf_bytes(std::span<const std::uint8_t> file);
  void add(std::string name, std::uint32_t addr, std::uint32_t size);
  std::optional<std::uint32_t> address_of(std::string_view name) const;
  // The nearest symbol at or below addr (FUNC preferred at equal addresses).
  std::optional<SymbolRef> lookup(std::uint32_t addr) const;
  std::string describe(std::uint32_t addr) const;  // "ret_from_fork+0x5", "schedule", "0x00123456"
  bool empty() const { return syms_.empty(); }

 private:
  struct Sym {
    std::uint32_t addr, size;
    bool func;
    std::string name;
  };
  void sort();
  std::vector<Sym> syms_;  // sorted by address
};

}  // namespace fs
