// Mirrors loader/symbols.cpp: tables built by tests/elf_builder.hpp and parsed through libelf, and
// the lookup rules of the header's open questions.
#include "loader/symbols.hpp"

#include <elf.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "loader/load_error.hpp"
#include "tests/elf_builder.hpp"

using fs::SymbolTable;
using fs::test::ElfBuilder;

namespace {

// A small kernel-like .symtab: C functions, entry.S labels (NOTYPE), data, and the noise a real
// one carries (section and file symbols, an absolute constant, an undefined reference).
SymbolTable kernel_like() {
  ElfBuilder b;
  b.add_symbol("", 0, 0, STT_SECTION, STB_LOCAL)
      .add_symbol("fork.c", 0, 0, STT_FILE, STB_LOCAL, SHN_ABS)
      .add_symbol("startup_32", 0x10000C, 0, STT_NOTYPE)
      .add_symbol("schedule", 0x101000, 0x200, STT_FUNC)
      .add_symbol("ret_from_fork", 0x102000, 0, STT_NOTYPE)
      .add_symbol("restore_all", 0x102020, 0, STT_NOTYPE, STB_LOCAL)
      .add_symbol("init_task", 0x104000, 0x400, STT_OBJECT)
      .add_symbol("__KERNEL_CS", 0x60, 0, STT_NOTYPE, STB_GLOBAL, SHN_ABS)
      .add_symbol("printk", 0, 0, STT_FUNC, STB_GLOBAL, SHN_UNDEF)
      .add_symbol(".Ltmp0", 0x101010, 0, STT_NOTYPE, STB_LOCAL)
      .add_symbol("tls_thing", 0x105000, 4, STT_TLS);
  return SymbolTable::from_elf_bytes(b.build());
}

}  // namespace

TEST_CASE("symbols: lookup is exact, then symbol+offset, and nothing below the first",
          "[symbols]") {
  const SymbolTable t = kernel_like();
  REQUIRE_FALSE(t.empty());
  const auto r = t.lookup(0x101000);
  REQUIRE(r);
  CHECK(r->name == "schedule");
  CHECK(r->offset == 0);
  const auto r2 = t.lookup(0x1010FF);
  REQUIRE(r2);
  CHECK(r2->name == "schedule");
  CHECK(r2->offset == 0xFF);
  CHECK_FALSE(t.lookup(0x10000B));
  CHECK_FALSE(t.lookup(0));
  CHECK(t.lookup(0xFFFFFFFF)->name == "init_task");
}

TEST_CASE("symbols: describe formats", "[symbols]") {
  const SymbolTable t = kernel_like();
  CHECK(t.describe(0x101000) == "schedule");
  CHECK(t.describe(0x101010) == "schedule+0x10");
  CHECK(t.describe(0x102005) == "ret_from_fork+0x5");
  CHECK(t.describe(0x10000C) == "startup_32");
  CHECK(t.describe(0x00123456) == "init_task+0x1f456");
  CHECK(t.describe(0x1000) == "0x00001000");
  CHECK(t.describe(0x60) == "0x00000060");  // the SHN_ABS constant names nothing
  CHECK(SymbolTable().describe(0xC0100000) == "0xc0100000");
}

TEST_CASE("symbols: NOTYPE assembly labels, local or global, are symbols", "[symbols]") {
  const SymbolTable t = kernel_like();
  CHECK(t.address_of("ret_from_fork") == 0x102000u);
  CHECK(t.address_of("restore_all") == 0x102020u);
  CHECK(t.describe(0x102021) == "restore_all+0x1");
  CHECK(t.address_of("init_task") == 0x104000u);
  CHECK(t.address_of("startup_32") == 0x10000Cu);
}

TEST_CASE("symbols: section, file, TLS, absolute, undefined and .L symbols are skipped",
          "[symbols]") {
  const SymbolTable t = kernel_like();
  CHECK(t.size() == 5);  // startup_32, schedule, ret_from_fork, restore_all, init_task
  CHECK_FALSE(t.address_of("fork.c"));
  CHECK_FALSE(t.address_of("__KERNEL_CS"));
  CHECK_FALSE(t.address_of("printk"));
  CHECK_FALSE(t.address_of(".Ltmp0"));
  CHECK_FALSE(t.address_of("tls_thing"));
  CHECK_FALSE(t.address_of(""));
  CHECK(t.describe(0x101010) == "schedule+0x10");  // not .Ltmp0
}

TEST_CASE("symbols: at one address FUNC beats OBJECT beats NOTYPE, GLOBAL beats LOCAL",
          "[symbols]") {
  ElfBuilder b;
  b.add_symbol("_text", 0x100000, 0, STT_NOTYPE)
      .add_symbol("system_call_label", 0x101000, 0, STT_NOTYPE)
      .add_symbol("system_call", 0x101000, 0x40, STT_FUNC)
      .add_symbol("__bss_start", 0x103000, 0, STT_NOTYPE)
      .add_symbol("runqueues", 0x103000, 0x100, STT_OBJECT, STB_LOCAL)
      .add_symbol("local_label", 0x104000, 0, STT_NOTYPE, STB_LOCAL)
      .add_symbol("global_label", 0x104000, 0, STT_NOTYPE, STB_GLOBAL);
  const SymbolTable t = SymbolTable::from_elf_bytes(b.build());
  CHECK(t.describe(0x101000) == "system_call");
  CHECK(t.describe(0x101004) == "system_call+0x4");
  CHECK(t.describe(0x103008) == "runqueues+0x8");
  CHECK(t.describe(0x104000) == "global_label");
  // The losers still have their names.
  CHECK(t.address_of("system_call_label") == 0x101000u);
  CHECK(t.address_of("__bss_start") == 0x103000u);
  CHECK(t.address_of("local_label") == 0x104000u);
}

TEST_CASE("symbols: past a symbol's size the nearest symbol below still names it", "[symbols]") {
  SymbolTable t;
  t.add("schedule", 0x101000, 0x100);
  t.add("scheduler_tick", 0x102000, 0x80);
  CHECK(t.describe(0x1010FF) == "schedule+0xff");
  CHECK(t.describe(0x101100) == "schedule+0x100");  // beyond st_size: padding after schedule
  CHECK(t.describe(0x101FFF) == "schedule+0xfff");
  CHECK(t.describe(0x102000) == "scheduler_tick");
}

TEST_CASE("symbols: add() keeps the table sorted whatever the order", "[symbols]") {
  SymbolTable t;
  CHECK(t.empty());
  t.add("c", 0x3000, 0);
  t.add("a", 0x1000, 0);
  t.add("b", 0x2000, 0);
  CHECK(t.size() == 3);
  CHECK(t.describe(0x1FFF) == "a+0xfff");
  CHECK(t.describe(0x2001) == "b+0x1");
  CHECK(t.describe(0x3000) == "c");
  CHECK(t.describe(0xFFF) == "0x00000fff");
  CHECK(t.address_of("b") == 0x2000u);
}

TEST_CASE("symbols: a name defined twice resolves to the global one", "[symbols]") {
  ElfBuilder b;
  b.add_symbol("helper", 0x101000, 0x10, STT_FUNC, STB_LOCAL)
      .add_symbol("helper", 0x102000, 0x10, STT_FUNC, STB_GLOBAL);
  const SymbolTable t = SymbolTable::from_elf_bytes(b.build());
  CHECK(t.address_of("helper") == 0x102000u);
  CHECK(t.describe(0x101001) == "helper+0x1");
}

TEST_CASE("symbols: lookup agrees with a linear scan over many symbols", "[symbols]") {
  SymbolTable t;
  std::vector<std::uint32_t> addrs;
  std::uint32_t x = 12345;  // a fixed LCG: the same table every run
  for (int i = 0; i < 500; ++i) {
    x = x * 1103515245u + 12345u;
    const std::uint32_t a = 0x100000 + (x >> 12) % 0x100000;
    addrs.push_back(a);
    t.add("f" + std::to_string(i), a, 0);
  }
  for (std::uint32_t probe = 0xFF000; probe < 0x201000; probe += 997) {
    std::optional<std::uint32_t> best;
    for (std::uint32_t a : addrs)
      if (a <= probe && (!best || a > *best)) best = a;
    const auto r = t.lookup(probe);
    REQUIRE(r.has_value() == best.has_value());
    if (r) {
      CHECK(probe - r->offset == *best);
      CHECK(t.address_of(r->name).has_value());
    }
  }
}

TEST_CASE("symbols: an image without .symtab gives an empty table", "[symbols]") {
  CHECK(SymbolTable::from_elf_bytes(ElfBuilder().build()).empty());
  ElfBuilder with_sections;
  with_sections.sections = true;  // .text and .shstrtab, no .symtab
  const SymbolTable t = SymbolTable::from_elf_bytes(with_sections.build());
  CHECK(t.empty());
  CHECK_FALSE(t.lookup(0x100000));
  CHECK(t.describe(0x100000) == "0x00100000");
}

TEST_CASE("symbols: a file that is not an ELF32 image is a LoadError", "[symbols]") {
  const std::vector<std::uint8_t> text = {'h', 'i', '\n'};
  CHECK_THROWS_WITH(SymbolTable::from_elf_bytes(text, "x.txt"), "x.txt: not an ELF file");
  ElfBuilder b64;
  b64.ei_class = ELFCLASS64;
  CHECK_THROWS_AS(SymbolTable::from_elf_bytes(b64.build()), fs::LoadError);
  CHECK_THROWS_WITH(SymbolTable::from_elf("/nonexistent/kernel.elf"),
                    "/nonexistent/kernel.elf: no such file");
}

TEST_CASE("symbols: from_elf reads a file from disk", "[symbols]") {
  ElfBuilder b;
  b.add_symbol("ret_from_fork", 0x100008, 0, STT_NOTYPE);
  const fs::test::TempFile f("symbols_ok.elf", b.build());
  const SymbolTable t = SymbolTable::from_elf(f.path());
  CHECK(t.describe(0x10000D) == "ret_from_fork+0x5");
}

TEST_CASE("symbols: assembly labels from a real guest's .symtab", "[symbols]") {
  // Built by tests/CMakeLists.txt before forkscope_tests; ld.lld keeps .symtab.
  const std::string path = std::string(FS_BUILD_DIR) + "/tests/machine/rdtsc.elf";
  if (!std::filesystem::exists(path)) {
    WARN("no " << path << "; skipped");
    return;
  }
  const SymbolTable t = SymbolTable::from_elf(path);
  REQUIRE_FALSE(t.empty());
  const auto a = t.address_of("after_rdtsc");
  REQUIRE(a);
  CHECK(t.describe(*a) == "after_rdtsc");
  CHECK(t.describe(*a + 2) == "after_rdtsc+0x2");
  CHECK(t.address_of("_start") == 0x10000Cu);
}

TEST_CASE("symbols: merge adds another table's symbols under a prefix", "[symbols]") {
  fs::SymbolTable kernel, user;
  kernel.add("schedule", 0x100000, 0x40);
  user.add("main", 0x08048020, 0x30);
  user.add("_start", 0x08048000, 0x20);
  kernel.merge(user, "forktest:");
  CHECK(kernel.size() == 3);
  CHECK(kernel.describe(0x08048025) == "forktest:main+0x5");
  CHECK(kernel.describe(0x08048000) == "forktest:_start");
  CHECK(kernel.describe(0x100004) == "schedule+0x4");
  CHECK(kernel.address_of("forktest:main") == 0x08048020u);
  CHECK_FALSE(kernel.address_of("main"));
}
