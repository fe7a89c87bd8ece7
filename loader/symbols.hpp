// The guest's symbol table: address -> "function+offset" for every report, and name -> address for
// breakpoints. The trace dumper calls lookup()/describe() per instruction, so both are a binary
// search over a sorted array of addresses (no allocation in lookup()).
//
// Open questions and the answers chosen:
//  1. Which symbols? From .symtab (System V ABI, "Symbol Table"): STT_FUNC, STT_OBJECT and
//  STT_NOTYPE
//     (assembly labels such as ret_from_fork are NOTYPE), with a name and st_value != 0. Skipped:
//     STT_SECTION/STT_FILE, undefined symbols (SHN_UNDEF), absolute ones (SHN_ABS: constants such
//     as `.set KERNEL_CS, 0x60` would otherwise name low addresses) and names starting with '.'.
//  2. Several symbols at one address: FUNC beats OBJECT beats NOTYPE (so a data object beats the
//     linker's __bss_start), then GLOBAL/WEAK beats LOCAL, then the earlier in .symtab (or add())
//     order. The loser is kept for address_of() but never shown by lookup().
//  3. Sizes: lookup() ignores st_size and returns the nearest symbol at or below the address, even
//     beyond its size. Assembly labels have size 0, and a size-bounded lookup would leave entry.S
//     code (after ret_from_fork, in restore_all...) nameless; padding after a function is named
//     after it, which reads correctly as "that function + something past its end".
//  4. A name defined twice (static functions in two files): address_of() returns the one ranked
//     first by the order of question 2.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fs {

// One symbol as nm(1) lists it: its address, type letter and name (Linux's kallsyms tables carry
// no ELF symbol types, only these letters).
struct NmSymbol {
  std::uint32_t addr = 0;
  char type = '?';
  std::string name;
};

struct SymbolRef {
  std::string_view name;  // points into the SymbolTable: valid until it is changed or destroyed
  std::uint32_t offset = 0;
};

class SymbolTable {
 public:
  // The symbols of the ELF image at `path` (question 1). An image without .symtab gives an empty
  // table; a file that is not an ELF32 little-endian image is a LoadError (see elf_image.hpp).
  static SymbolTable from_elf(const std::string& path);
  static SymbolTable from_elf_bytes(std::span<const std::uint8_t> file,
                                    std::string_view name = "<memory>");
  // Symbols given as nm(1) letters: t/T/w/W are functions, a/A (absolute) and U (undefined) are
  // skipped as SHN_ABS/SHN_UNDEF are in .symtab, other letters are data; lower case is local
  // (but w/v: weak).
  static SymbolTable from_nm(std::span<const NmSymbol> syms);
  // Adds a symbol as if it were a global STT_FUNC (for tests and hand-made tables).
  void add(std::string name, std::uint32_t addr, std::uint32_t size);
  // Adds every symbol of `other`, its name prefixed (the trace reader adds a user program's
  // symbols, "forktest:main", to the kernel's).
  void merge(const SymbolTable& other, std::string_view prefix);
  std::optional<std::uint32_t> address_of(std::string_view name) const;
  // The nearest symbol at or below addr (questions 2 and 3), or nullopt below the first symbol or
  // at or past limit().
  std::optional<SymbolRef> lookup(std::uint32_t addr) const;
  // Addresses at or past `end` name nothing: the end of the image the symbols describe, so that a
  // user address is not "__bss_stop+0x7ef5000" of a kernel (gdb's `info symbol` says no symbol
  // matches there). No limit unless set.
  void set_limit(std::uint64_t end) { limit_ = end; }
  std::uint64_t limit() const { return limit_; }
  // Addresses in [lo, hi) are looked up as addr + delta: a kernel linked at PAGE_OFFSET that runs
  // at its physical addresses before it turns paging on (Linux's startup_32 and the early code it
  // calls), so those addresses are named too. None unless set.
  void set_alias(std::uint32_t lo, std::uint32_t hi, std::uint32_t delta) {
    alias_lo_ = lo, alias_hi_ = hi, alias_delta_ = delta;
  }
  // "ret_from_fork+0x5", "schedule" at offset 0, "0x00123456" when no symbol is at or below.
  std::string describe(std::uint32_t addr) const;
  bool empty() const { return syms_.empty(); }
  std::size_t size() const { return syms_.size(); }

 private:
  enum class Kind : std::uint8_t { kFunc, kObject, kNoType };  // question 2's order
  struct Sym {
    std::uint32_t addr, size;
    Kind kind;
    bool local;
    std::uint32_t order;  // position in .symtab / add() order: the last tie-break
    std::string name;
  };
  void push(std::string name, std::uint32_t addr, std::uint32_t size, Kind kind, bool local);
  void build_index();

  std::vector<Sym> syms_;             // sorted by address, then rank (question 2)
  std::vector<std::uint32_t> addrs_;  // distinct addresses, ascending, for lookup()
  std::vector<std::uint32_t> best_;   // best_[i]: index into syms_ of the symbol shown at addrs_[i]
  std::uint64_t limit_ = std::uint64_t{1} << 32;                 // set_limit()
  std::uint32_t alias_lo_ = 0, alias_hi_ = 0, alias_delta_ = 0;  // set_alias()
  std::vector<std::uint32_t> by_name_;  // indices into syms_ sorted by name, then rank
};

}  // namespace fs
