// Linux's own symbol table, read from a vmlinux whose ELF .symtab was stripped (Debian's images):
// the kallsyms tables that scripts/kallsyms.c generates into .rodata and kernel/kallsyms.c decodes
// for /proc/kallsyms and oops reports.
//
// Layout (scripts/kallsyms.c, write_src(); every table starts 4-aligned on i386, ALGN):
//   kallsyms_offsets[n] (s32), kallsyms_relative_base (u32), kallsyms_num_syms (u32 n),
//   kallsyms_names (per symbol: a length, then that many token codes), kallsyms_markers (u32 every
//   256 symbols: the offset of symbol 256k in names), [kallsyms_seqs_of_names, 3 bytes a symbol,
//   from 6.2 and in Debian's 6.1 stable], kallsyms_token_table (256 NUL-terminated strings),
//   kallsyms_token_index (256 u16 offsets into the token table). Linux 6.4 moved the offsets and
//   relative base after the token index ("scripts/kallsyms: change the output order").
// A symbol's expansion starts with its nm type letter ('T' global text, 't' local text, 'D'...).
// Data symbols are there only with CONFIG_KALLSYMS_ALL, which Debian's 686 image leaves off: its
// table names every function (45270 symbols) but no variable.
//
// Open questions and the answers chosen:
//  1. How to find the tables without symbols? By shape, from the most constrained one: a token
//     index (256 rising u16 from 0) that points exactly at the NUL-separated strings before it;
//     then, walking back from the token table, the names whose u32 count precedes them, decode
//     entirely before it and agree with every marker that follows them, with nothing or exactly
//     the 3-byte-per-symbol seqs_of_names between markers and tokens.
//  2. Which address encodings? Base-relative only (CONFIG_KALLSYMS_BASE_RELATIVE, the default on
//     every architecture but ia64 since 4.6), without absolute per-cpu (x86_64 only): address =
//     relative_base + (u32)offset. Both orders are tried, before names (to 6.3) then after the
//     token index (6.4+); an order whose addresses are not sorted is rejected (the tables are
//     sorted by address, scripts/kallsyms.c sort_symbols()).
//  3. Name lengths: one byte, or two when the first has bit 7 set (low 7 bits first; "kallsyms:
//     support big kernel symbols", 6.1); older kernels never set bit 7 (KSYM_NAME_LEN was 128).
//  4. nm type letters to SymbolTable kinds: t/T/w/W function, a/A skipped (absolute, like SHN_ABS
//  in
//     .symtab), other letters data; lower case is local (nm(1)).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loader/symbols.hpp"

namespace fs {

// Every symbol of the kallsyms tables found in `bytes` (a vmlinux file, or any bytes holding the
// tables), in table order (ascending address). LoadError "name: ..." (one line) when no complete,
// consistent set of tables is there.
std::vector<NmSymbol> read_kallsyms(std::span<const std::uint8_t> bytes, std::string_view name);

// read_kallsyms() as the project's symbol table (question 4, SymbolTable::from_nm).
SymbolTable kallsyms_table(std::span<const std::uint8_t> bytes, std::string_view name);

// The symbols of a bzImage's vmlinux: its ELF .symtab when it has one (a kernel built by hand),
// else its kallsyms tables. When it has neither, an empty table and `note` says so in one line
// ("name: no kallsyms tables ...: addresses only"), for the caller to print; otherwise `note` is
// left empty. Its limit (SymbolTable::set_limit) is the end of the highest loadable segment's
// virtual addresses, and the segments' physical addresses name the same symbols (set_alias: the
// kernel runs there until it turns paging on). Throws LoadError only when the vmlinux is not an ELF
// image.
SymbolTable linux_symbols(std::span<const std::uint8_t> vmlinux, std::string_view name,
                          std::string& note);

}  // namespace fs
