// Mirrors loader/kallsyms.cpp: kallsyms tables laid out in the test as scripts/kallsyms.c lays
// them out (both orders, with and without seqs_of_names, two-byte lengths), the damaged ones
// refused with one line, and (when scripts/linux has fetched it) Debian's Linux 6.1 image itself.
#include "loader/kallsyms.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "loader/bzimage.hpp"
#include "loader/elf_image.hpp"
#include "loader/linux_boot.hpp"
#include "loader/load_error.hpp"
#include "tests/debian_linux.hpp"
#include "tests/elf_builder.hpp"

using fs::NmSymbol;

namespace {

// Token codes: printable ASCII stands for itself; a few others for common substrings, the rest
// for "_" (every token must be a non-empty string).
std::string token(int code) {
  if (code > ' ' && code <= '~') return std::string(1, static_cast<char>(code));
  switch (code) {
    case 1:
      return "ret_";
    case 2:
      return "fork";
    case 0x7F:
      return "\x7f";  // DEL: a name holding it is not a symbol
    default:
      return "_";
  }
}

// The codes for `s`: "ret_" and "fork" compressed, every other character as itself.
std::vector<std::uint8_t> encode(const std::string& s) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < s.size();) {
    if (s.compare(i, 4, "ret_") == 0) {
      out.push_back(1), i += 4;
    } else if (s.compare(i, 4, "fork") == 0) {
      out.push_back(2), i += 4;
    } else {
      out.push_back(static_cast<std::uint8_t>(s[i++]));
    }
  }
  return out;
}

struct Layout {
  bool new_order = false;  // 6.4+: offsets and base after the token index
  bool seqs = false;       // kallsyms_seqs_of_names between markers and tokens
  std::uint32_t base = 0xC1000000;
};

class Blob {
 public:
  void u8(std::uint8_t v) { b_.push_back(v); }
  void u16(std::uint16_t v) { u8(v & 0xFF), u8(static_cast<std::uint8_t>(v >> 8)); }
  void u32(std::uint32_t v) { u16(v & 0xFFFF), u16(static_cast<std::uint16_t>(v >> 16)); }
  void align() {
    while (b_.size() % 4) u8(0);
  }
  std::size_t size() const { return b_.size(); }
  std::vector<std::uint8_t>& bytes() { return b_; }

 private:
  std::vector<std::uint8_t> b_;
};

// The tables for `syms` (sorted by address) inside some unrelated bytes, as write_src() emits them.
std::vector<std::uint8_t> tables(const std::vector<NmSymbol>& syms, Layout l) {
  Blob b;
  for (int i = 0; i < 37; ++i) b.u8(static_cast<std::uint8_t>(i * 7));  // .rodata before them
  b.align();
  auto addresses = [&] {
    for (const NmSymbol& s : syms) b.u32(s.addr - l.base);
    b.u32(l.base);
  };
  if (!l.new_order) addresses();
  b.u32(static_cast<std::uint32_t>(syms.size()));
  const std::size_t names = b.size();
  std::vector<std::uint32_t> markers;
  for (std::size_t i = 0; i < syms.size(); ++i) {
    if (i % 256 == 0) markers.push_back(static_cast<std::uint32_t>(b.size() - names));
    const std::vector<std::uint8_t> codes = encode(std::string(1, syms[i].type) + syms[i].name);
    if (codes.size() < 0x80) {
      b.u8(static_cast<std::uint8_t>(codes.size()));
    } else {  // "big" symbols, 6.1
      b.u8(static_cast<std::uint8_t>(0x80 | (codes.size() & 0x7F)));
      b.u8(static_cast<std::uint8_t>(codes.size() >> 7));
    }
    for (std::uint8_t c : codes) b.u8(c);
  }
  b.align();
  for (std::uint32_t m : markers) b.u32(m);
  if (l.seqs) {
    for (std::size_t i = 0; i < syms.size(); ++i)
      b.u8(0), b.u8(0), b.u8(static_cast<std::uint8_t>(i));
    b.align();
  }
  const std::size_t table = b.size();
  std::vector<std::uint16_t> index;
  for (int c = 0; c < 256; ++c) {
    index.push_back(static_cast<std::uint16_t>(b.size() - table));
    for (char ch : token(c)) b.u8(static_cast<std::uint8_t>(ch));
    b.u8(0);
  }
  b.align();
  for (std::uint16_t i : index) b.u16(i);
  if (l.new_order) addresses();
  for (int i = 0; i < 64; ++i) b.u8(static_cast<std::uint8_t>(0xA5 ^ i));  // and after them
  return std::move(b.bytes());
}

// 300 symbols (two markers), entry.S-like first, then generated ones at rising addresses.
std::vector<NmSymbol> kernel_syms() {
  std::vector<NmSymbol> s = {{0xC1000000, 'T', "startup_32"},
                             {0xC1000000, 'T', "_text"},
                             {0xC1001000, 't', "ret_from_fork"},
                             {0xC1001040, 'T', "schedule_tail"},
                             {0xC1002000, 'D', "init_task"}};
  for (std::uint32_t i = 0; s.size() < 300; ++i)
    s.push_back({0xC1003000 + 16 * i, (i % 3) ? 't' : 'T', "fn_" + std::to_string(i)});
  return s;
}

void check_decoded(const std::vector<NmSymbol>& want, Layout l) {
  const std::vector<NmSymbol> got = fs::read_kallsyms(tables(want, l), "blob");
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CHECK(got[i].name == want[i].name);
    CHECK(got[i].type == want[i].type);
    CHECK(got[i].addr == want[i].addr);
  }
}

std::string load_error(const std::vector<std::uint8_t>& bytes) {
  try {
    fs::read_kallsyms(bytes, "blob");
  } catch (const fs::LoadError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("kallsyms: 6.1's order, names, types and addresses decode", "[kallsyms]") {
  check_decoded(kernel_syms(), Layout{});
}

TEST_CASE("kallsyms: seqs_of_names between markers and tokens (6.2, Debian's 6.1)", "[kallsyms]") {
  check_decoded(kernel_syms(), Layout{false, true});
}

TEST_CASE("kallsyms: 6.4's order, offsets after the token index", "[kallsyms]") {
  check_decoded(kernel_syms(), Layout{true, true});
}

TEST_CASE("kallsyms: a name over 127 codes takes a two-byte length", "[kallsyms]") {
  std::vector<NmSymbol> s = kernel_syms();
  s[3].name = std::string(200, 'x');
  check_decoded(s, Layout{});
}

TEST_CASE("kallsyms: damaged or absent tables are one LoadError line", "[kallsyms]") {
  const std::vector<NmSymbol> syms = kernel_syms();
  CHECK(load_error(std::vector<std::uint8_t>(4096, 0)) ==
        "blob: no kallsyms tables (built without CONFIG_KALLSYMS, or damaged)");
  CHECK(load_error({}) != "");

  const std::vector<std::uint8_t> good = tables(syms, Layout{});
  REQUIRE(load_error(good) == "");
  std::vector<NmSymbol> unsorted = syms;
  std::swap(unsorted[10].addr, unsorted[200].addr);
  CHECK(load_error(tables(unsorted, Layout{})) != "");

  std::vector<NmSymbol> unprintable = syms;
  unprintable[7].name = "bad\x7fname";
  CHECK(load_error(tables(unprintable, Layout{})) != "");

  // A count that does not match the names: the names no longer end at the markers.
  std::vector<std::uint8_t> bad_count = good;
  const std::size_t count_at = 40 + 4 * (syms.size() + 1);  // 37 bytes aligned, offsets, base
  REQUIRE(bad_count[count_at] == (syms.size() & 0xFF));
  bad_count[count_at] ^= 1;
  CHECK(load_error(bad_count) != "");
}

TEST_CASE("kallsyms: nm letters become SymbolTable kinds", "[kallsyms]") {
  const std::vector<NmSymbol> syms = {{0x1000, 'D', "data_obj"},
                                      {0x1000, 't', "local_fn"},
                                      {0x2000, 'A', "abs_const"},
                                      {0x3000, 'T', "global_fn"}};
  const fs::SymbolTable t = fs::SymbolTable::from_nm(syms);
  CHECK(t.describe(0x1004) == "local_fn+0x4");  // a function beats data at one address
  CHECK_FALSE(t.address_of("abs_const"));
  CHECK(t.describe(0x3000) == "global_fn");
  CHECK(t.size() == 3);
}

TEST_CASE("kallsyms: linux_symbols prefers .symtab, else kallsyms, else a note", "[kallsyms]") {
  std::string note;
  // An ELF with a .symtab (a kernel built by hand): its symbols, no note.
  const fs::SymbolTable own = fs::linux_symbols(
      fs::test::ElfBuilder().add_symbol("startup_32", 0x100000).build(), "own", note);
  CHECK(own.address_of("startup_32") == 0x100000u);
  CHECK(note.empty());
  // Stripped, with the tables in a data segment: kallsyms.
  const std::vector<NmSymbol> syms = kernel_syms();
  const fs::SymbolTable ks = fs::linux_symbols(
      fs::test::ElfBuilder().add_segment(0x200000, tables(syms, Layout{}), 0x10000).build(), "ks",
      note);
  CHECK(ks.address_of("ret_from_fork") == 0xC1001000u);
  CHECK(note.empty());
  // Neither: empty, and one line saying so.
  const fs::SymbolTable none = fs::linux_symbols(fs::test::ElfBuilder().build(), "bare", note);
  CHECK(none.empty());
  CHECK(note ==
        "bare: no kallsyms tables (built without CONFIG_KALLSYMS, or damaged): addresses only");
}

TEST_CASE("kallsyms: an alias range names physical addresses as their virtual twins",
          "[kallsyms]") {
  fs::SymbolTable t =
      fs::SymbolTable::from_nm(std::vector<NmSymbol>{{0xC1000000, 'T', "startup_32"}});
  t.set_limit(0xC2000000);
  CHECK(t.describe(0x01000010) == "0x01000010");
  t.set_alias(0x01000000, 0x02000000, 0xC0000000);
  CHECK(t.describe(0x01000010) == "startup_32+0x10");
  CHECK(t.describe(0x02000000) == "0x02000000");  // the range ends before hi
  CHECK(t.describe(0xC1000010) == "startup_32+0x10");
}

TEST_CASE("kallsyms: Debian's Linux 6.1 names its entry points", "[kallsyms][linux]") {
  const auto image = fs::test::debian_vmlinux();
  if (!image) return;
  const std::vector<std::uint8_t>& vmlinux = *image;
  const std::vector<NmSymbol> syms = fs::read_kallsyms(vmlinux, "vmlinux");
  CHECK(syms.size() > 20000);
  std::string note;
  const fs::SymbolTable t = fs::linux_symbols(vmlinux, "vmlinux", note);
  CHECK(note.empty());
  // The ELF entry is startup_32's physical address (vmlinux.lds.S: ENTRY(phys_startup_32)),
  // __PAGE_OFFSET (0xC0000000) below its virtual one.
  std::vector<std::uint8_t> ram(64u << 20);
  const fs::LoadedImage li = fs::load_elf_segments(vmlinux, "vmlinux", ram);
  REQUIRE(t.address_of("startup_32"));
  CHECK(*t.address_of("startup_32") == li.entry + 0xC0000000u);
  CHECK(*t.address_of("_text") == *t.address_of("startup_32"));
  // Before paging the kernel runs at its physical addresses: they name the same functions.
  CHECK(t.describe(li.entry) == "startup_32");
  CHECK(t.describe(li.entry + 5) == "startup_32+0x5");
  CHECK(t.describe(0x08048000) == "0x08048000");  // a user address names nothing
  // Debian's 686 image has CONFIG_KALLSYMS_ALL off: text symbols only (and __init_begin).
  for (const char* name : {"ret_from_fork", "schedule_tail", "__switch_to", "kernel_clone",
                           "copy_process", "wake_up_new_task", "entry_INT80_32"}) {
    INFO(name);
    REQUIRE(t.address_of(name));
    CHECK(*t.address_of(name) > *t.address_of("_text"));
    CHECK(*t.address_of(name) < *t.address_of("_etext"));
    CHECK(t.describe(*t.address_of(name)) == name);
    CHECK(t.describe(*t.address_of(name) + 3) == std::string(name) + "+0x3");
  }
  // The entry code lies in its own section of the text (arch/x86/entry/entry_32.S, .entry.text).
  CHECK(*t.address_of("entry_INT80_32") >= *t.address_of("__entry_text_start"));
}
