// Mirrors loader/elf_image.cpp: valid images from tests/elf_builder.hpp load as a multiboot loader
// would; each hand-broken one is refused with its own one-line message.
#include "loader/elf_image.hpp"

#include <elf.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "loader/symbols.hpp"
#include "tests/elf_builder.hpp"

using fs::LoadedImage;
using fs::LoadError;
using fs::test::ElfBuilder;
using fs::test::TempFile;

namespace {

constexpr std::size_t kRam = 4u << 20;

// The message of the LoadError that loading `bytes` throws, or "" when it loads.
std::string load_error(const std::vector<std::uint8_t>& bytes, std::size_t ram_size = kRam) {
  std::vector<std::uint8_t> ram(ram_size);
  try {
    fs::load_elf_bytes(bytes, "k.elf", ram);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

std::string load_error(const ElfBuilder& b, std::size_t ram_size = kRam) {
  return load_error(b.build(), ram_size);
}

std::string file_error(const std::string& path) {
  std::vector<std::uint8_t> ram(kRam);
  try {
    fs::load_elf(path, ram);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("elf_image: a valid image loads its segment and zeroes the bss", "[elf_image]") {
  ElfBuilder b;
  b.segments[0].data[13] = 0x90;
  std::vector<std::uint8_t> ram(kRam, 0xAA);
  const LoadedImage img = fs::load_elf_bytes(b.build(), "k.elf", ram);
  CHECK(img.name == "k.elf");
  CHECK(img.entry == 0x10000C);
  CHECK(img.image_end == 0x100040);
  REQUIRE(img.segments.size() == 1);
  CHECK(img.segments[0].paddr == 0x100000);
  CHECK(img.segments[0].filesz == 16);
  CHECK(img.segments[0].memsz == 64);
  CHECK(img.segments[0].flags == (PF_R | PF_X));
  CHECK(img.multiboot.offset == 0x60);  // the first segment's bytes follow header and 1 phdr
  CHECK(img.multiboot.magic == 0x1BADB002);
  CHECK(img.multiboot.flags == 0x3);
  CHECK(img.multiboot.checksum == static_cast<std::uint32_t>(-(0x1BADB002u + 0x3u)));
  CHECK(ram[0x100000] == 0x02);  // the multiboot magic, little-endian
  CHECK(ram[0x100003] == 0x1B);
  CHECK(ram[0x10000C] == 0xF4);
  CHECK(ram[0x10000D] == 0x90);
  for (std::uint32_t a = 0x100010; a < 0x100040; ++a) CHECK(ram[a] == 0);  // bss
  CHECK(ram[0x100040] == 0xAA);  // beyond p_memsz: untouched
  CHECK(ram[0x0FFFFF] == 0xAA);
}

TEST_CASE("elf_image: text and data segments load, image_end is the highest end", "[elf_image]") {
  ElfBuilder b;
  b.add_segment(0x102000, {1, 2, 3, 4}, 0x3000);
  b.segments.push_back({});  // a PT_NOTE-like non-load entry is ignored
  b.segments.back().type = PT_NOTE;
  std::vector<std::uint8_t> ram(kRam, 0xAA);
  const LoadedImage img = fs::load_elf_bytes(b.build(), "k.elf", ram);
  REQUIRE(img.segments.size() == 2);
  CHECK(img.segments[1].paddr == 0x102000);
  CHECK(img.segments[1].flags == (PF_R | PF_W));
  CHECK(img.image_end == 0x105000);
  CHECK(ram[0x102000] == 1);
  CHECK(ram[0x102003] == 4);
  CHECK(ram[0x102004] == 0);
  CHECK(ram[0x104FFF] == 0);
  CHECK(ram[0x105000] == 0xAA);
}

TEST_CASE("elf_image: the entry is translated from p_vaddr to p_paddr", "[elf_image]") {
  // A higher-half link (Linux's 0xC0100000) loaded at 1 MiB: GRUB 2 jumps to the physical entry.
  ElfBuilder b;
  b.segments[0].vaddr = 0xC0100000;
  b.e_entry = 0xC010000C;
  std::vector<std::uint8_t> ram(kRam);
  CHECK(fs::load_elf_bytes(b.build(), "k.elf", ram).entry == 0x10000C);
}

TEST_CASE("elf_image: load_elf reads a file from disk", "[elf_image]") {
  const TempFile f("elf_image_ok.elf", ElfBuilder().build());
  std::vector<std::uint8_t> ram(kRam);
  const LoadedImage img = fs::load_elf(f.path(), ram);
  CHECK(img.name == f.path());
  CHECK(img.entry == 0x10000C);
  CHECK(ram[0x10000C] == 0xF4);
}

TEST_CASE("elf_image: a path that is not a readable regular file", "[elf_image]") {
  CHECK(file_error("/nonexistent/kernel.elf") == "/nonexistent/kernel.elf: no such file");
  const TempFile plain("elf_image_plain.elf", ElfBuilder().build());
  CHECK(file_error(plain.path() + "/x") == plain.path() + "/x: no such file");  // ENOTDIR
  const std::string dir = std::filesystem::temp_directory_path().string();
  CHECK(file_error(dir) == dir + ": not a regular file");
  const TempFile empty("elf_image_empty.elf", {});
  CHECK(file_error(empty.path()) == empty.path() + ": empty file");
  CHECK_THROWS_AS(fs::read_file("/nonexistent"), LoadError);
}

TEST_CASE("elf_image: not an ELF file", "[elf_image]") {
  CHECK(load_error(std::vector<std::uint8_t>{}) == "k.elf: empty file");
  const std::string text = "#!/bin/sh\necho hello\n";
  CHECK(load_error(std::vector<std::uint8_t>(text.begin(), text.end())) ==
        "k.elf: not an ELF file");
  CHECK(load_error(std::vector<std::uint8_t>{0x7F, 'E', 'L'}) == "k.elf: not an ELF file");
  std::vector<std::uint8_t> cut = ElfBuilder().build();
  cut.resize(40);
  CHECK(load_error(cut) == "k.elf: truncated ELF header (40 bytes, need 52)");
}

TEST_CASE("elf_image: identification and header checks", "[elf_image]") {
  ElfBuilder b;
  SECTION("ELFCLASS64") {
    b.ei_class = ELFCLASS64;
    CHECK(load_error(b) == "k.elf: not a 32-bit ELF file (ELFCLASS64)");
  }
  SECTION("big-endian") {
    b.ei_data = ELFDATA2MSB;
    CHECK(load_error(b) == "k.elf: not a little-endian ELF file (ELFDATA2MSB)");
  }
  SECTION("EM_X86_64") {
    b.e_machine = EM_X86_64;
    CHECK(load_error(b) == "k.elf: not an i386 (EM_386) file (e_machine 62)");
  }
  SECTION("ET_DYN") {
    b.e_type = ET_DYN;
    CHECK(load_error(b) == "k.elf: not an executable (e_type ET_DYN, need ET_EXEC)");
  }
  SECTION("ET_REL") {
    b.e_type = ET_REL;
    CHECK(load_error(b) == "k.elf: not an executable (e_type ET_REL, need ET_EXEC)");
  }
}

TEST_CASE("elf_image: the multiboot header must be found and valid", "[elf_image]") {
  ElfBuilder b;
  SECTION("absent") {
    b.multiboot.reset();
    CHECK(load_error(b) == "k.elf: no multiboot header in the first 8 KiB");
  }
  SECTION("not 4-byte aligned: not a header") {
    b.segments[0].data.resize(64, 0);
    b.multiboot->at = 2;
    CHECK(load_error(b) == "k.elf: no multiboot header in the first 8 KiB");
  }
  SECTION("past 8 KiB") {
    b.segments[0].data.resize(0x2100, 0);
    b.segments[0].memsz = 0x2100;
    b.multiboot->at = 0x2000;  // file offset 0x2060
    CHECK(load_error(b) ==
          "k.elf: multiboot header at offset 0x2060 is not within the first 8 KiB of the file");
  }
  SECTION("straddling the 8 KiB boundary") {
    b.segments[0].data.resize(0x2100, 0);
    b.segments[0].memsz = 0x2100;
    b.multiboot->at = 0x2000 - 0x60 - 4;  // file offset 0x1ffc: magic inside, the rest outside
    CHECK(load_error(b) ==
          "k.elf: multiboot header at offset 0x1ffc is not within the first 8 KiB of the file");
  }
  SECTION("bad checksum") {
    b.multiboot->checksum_error = 1;
    CHECK(load_error(b) ==
          "k.elf: multiboot header at offset 0x60 has a bad checksum (magic + flags + checksum = "
          "0x00000001, must be 0)");
  }
  SECTION("a magic word with a bad checksum before a valid header is skipped") {
    b.segments[0].data.resize(64, 0);
    b.multiboot->at = 0x20;
    const std::uint32_t stray[3] = {0x1BADB002, 0, 0};
    std::memcpy(b.segments[0].data.data(), stray, sizeof stray);
    b.e_entry = 0x100030;
    std::vector<std::uint8_t> ram(kRam);
    CHECK(fs::load_elf_bytes(b.build(), "k.elf", ram).multiboot.offset == 0x80);
  }
  SECTION("unsupported requirement: bit 2, video mode") {
    b.multiboot->flags = 0x7;
    CHECK(load_error(b) ==
          "k.elf: multiboot header requires flags 0x4 that forkscope does not support (bit 2: a "
          "video mode)");
  }
  SECTION("unsupported requirement: bit 15") {
    b.multiboot->flags = 0x8001;
    CHECK(load_error(b) ==
          "k.elf: multiboot header requires flags 0x8000 that forkscope does not support");
  }
  SECTION("optional bits 17-31 are ignored") {
    b.multiboot->flags = 0x80000003;
    CHECK(load_error(b).empty());
  }
  SECTION("bit 16: the address fields are recorded, the ELF headers still rule") {
    b.segments[0].data.resize(64, 0);
    b.multiboot->flags = 0x10003;
    b.multiboot->extra = {0x100000, 0x100000, 0x100040, 0x100100, 0x100020};
    std::vector<std::uint8_t> ram(kRam);
    const LoadedImage img = fs::load_elf_bytes(b.build(), "k.elf", ram);
    CHECK(img.multiboot.header_addr == 0x100000);
    CHECK(img.multiboot.load_end_addr == 0x100040);
    CHECK(img.multiboot.bss_end_addr == 0x100100);
    CHECK(img.multiboot.entry_addr == 0x100020);
    CHECK(img.entry == 0x10000C);
  }
  SECTION("bit 16 with the address fields cut off by the end of the file") {
    b.multiboot->flags = 0x10003;
    std::vector<std::uint8_t> bytes = b.build();
    bytes.resize(0x60 + 16);  // magic, flags, checksum, one address word
    ElfBuilder::patch_phdr(bytes, 0, [](Elf32_Phdr& p) { p.p_filesz = 16; });
    CHECK(load_error(bytes) ==
          "k.elf: multiboot header at offset 0x60 has flag 16 but its address fields are cut off "
          "by the end of the first 8 KiB or of the file");
  }
}

TEST_CASE("elf_image: segment bounds are checked", "[elf_image]") {
  ElfBuilder b;
  SECTION("outside RAM") {
    b.segments[0].paddr = b.segments[0].vaddr = 0x3FFFF0;
    b.e_entry = 0x3FFFFC;
    CHECK(load_error(b) == "k.elf: segment 0 [0x003ffff0, 0x00400030) lies outside RAM (4 MiB)");
  }
  SECTION("outside a RAM that is not a whole number of MiB") {
    CHECK(load_error(b, 1023 * 1024) ==
          "k.elf: segment 0 [0x00100000, 0x00100040) lies outside RAM (1023 KiB)");
  }
  SECTION("the second segment outside RAM") {
    b.add_segment(0x4000000, {}, 0x1000);
    CHECK(load_error(b) == "k.elf: segment 1 [0x04000000, 0x04001000) lies outside RAM (4 MiB)");
  }
  SECTION("ending exactly at the end of RAM is fine") {
    b.add_segment(kRam - 0x1000, {}, 0x1000);
    CHECK(load_error(b).empty());
  }
  SECTION("truncated: segment bytes beyond the end of the file") {
    std::vector<std::uint8_t> bytes = b.build();
    ElfBuilder::patch_phdr(bytes, 0, [](Elf32_Phdr& p) {
      p.p_filesz = 0x200;
      p.p_memsz = 0x200;
    });
    CHECK(load_error(bytes) ==
          "k.elf: truncated: segment 0 bytes [0x60, 0x260) lie beyond the end of the file (0x70 "
          "bytes)");
  }
  SECTION("truncated: p_offset + p_filesz overflows 32 bits") {
    std::vector<std::uint8_t> bytes = b.build();
    ElfBuilder::patch_phdr(bytes, 0, [](Elf32_Phdr& p) { p.p_offset = 0xFFFFFFF8; });
    CHECK_THAT(load_error(bytes),
               Catch::StartsWith("k.elf: truncated: segment 0 bytes [0xfffffff8, 0x100000008)"));
  }
  SECTION("truncated: program headers beyond the end of the file") {
    std::vector<std::uint8_t> bytes = b.build();
    ElfBuilder::patch_ehdr(bytes, [](Elf32_Ehdr& e) { e.e_phoff = 0x60; });
    CHECK(load_error(bytes) ==
          "k.elf: truncated: program headers [0x60, 0x80) lie beyond the end of the file (0x70 "
          "bytes)");
  }
  SECTION("p_filesz > p_memsz") {
    b.segments[0].memsz = 8;
    CHECK(load_error(b) == "k.elf: segment 0 has p_filesz 0x10 > p_memsz 0x8");
  }
  SECTION("p_paddr + p_memsz wraps past 4 GiB") {
    b.add_segment(0xFFFFFFF0, {}, 0x100);
    CHECK(load_error(b) == "k.elf: segment 1 [0xfffffff0, 0x1000000f0) wraps past 4 GiB");
  }
  SECTION("segments that overlap") {
    b.add_segment(0x100020, {}, 0x100);
    CHECK(load_error(b) ==
          "k.elf: segments 0 [0x00100000, 0x00100040) and 1 [0x00100020, 0x00100120) overlap");
  }
  SECTION("no PT_LOAD") {
    b.segments[0].type = PT_NOTE;
    CHECK(load_error(b) == "k.elf: no loadable (PT_LOAD) segment");
  }
  SECTION("no program headers at all") {
    std::vector<std::uint8_t> bytes = b.build();
    ElfBuilder::patch_ehdr(bytes, [](Elf32_Ehdr& e) { e.e_phnum = 0; });
    CHECK(load_error(bytes) == "k.elf: no program headers");
  }
  SECTION("a wrong e_phentsize") {
    std::vector<std::uint8_t> bytes = b.build();
    ElfBuilder::patch_ehdr(bytes, [](Elf32_Ehdr& e) { e.e_phentsize = 56; });
    CHECK(load_error(bytes) == "k.elf: e_phentsize is 56, not 32");
  }
}

TEST_CASE("elf_image: the entry point must be in a loaded executable segment", "[elf_image]") {
  ElfBuilder b;
  SECTION("in no segment") {
    b.e_entry = 0x200000;
    CHECK(load_error(b) == "k.elf: entry point 0x00200000 is not in an executable segment");
  }
  SECTION("just past the segment's memory") {
    b.e_entry = 0x100040;
    CHECK(load_error(b) == "k.elf: entry point 0x00100040 is not in an executable segment");
  }
  SECTION("in a data segment") {
    b.add_segment(0x102000, {0xF4}, 0x10);
    b.e_entry = 0x102000;
    CHECK(load_error(b) == "k.elf: entry point 0x00102000 is not in an executable segment");
  }
}

TEST_CASE("elf_image: a refused image leaves RAM untouched", "[elf_image]") {
  ElfBuilder b;
  b.add_segment(0x102000, {1, 2, 3}, 0x10);
  b.e_entry = 0x300000;  // refused after both segments passed their checks
  std::vector<std::uint8_t> ram(kRam, 0xAA);
  CHECK_THROWS_AS(fs::load_elf_bytes(b.build(), "k.elf", ram), LoadError);
  CHECK(ram[0x100000] == 0xAA);
  CHECK(ram[0x100010] == 0xAA);
  CHECK(ram[0x102000] == 0xAA);
}

TEST_CASE("elf_image: the machine test guests load", "[elf_image]") {
  // Built by tests/CMakeLists.txt before forkscope_tests; linked by ld.lld from tests/machine/.
  const std::string path = std::string(FS_BUILD_DIR) + "/tests/machine/rdtsc.elf";
  if (!std::filesystem::exists(path)) {
    WARN("no " << path << "; skipped");
    return;
  }
  std::vector<std::uint8_t> ram(64u << 20);
  const LoadedImage img = fs::load_elf(path, ram);
  CHECK(img.entry >= 0x100000);
  CHECK(img.image_end > img.entry);
  CHECK(img.multiboot.offset < 8192);
}

TEST_CASE("elf_image: corrupted images load or throw LoadError, never crash", "[elf_image]") {
  // Deterministic byte and word corruption of an image with two segments and a .symtab: every
  // outcome must be a LoadedImage inside RAM or a LoadError (run under ASan to mean it).
  ElfBuilder b;
  b.add_segment(0x102000, {1, 2, 3, 4}, 0x100);
  b.add_symbol("schedule", 0x100004, 8).add_symbol("ret_from_fork", 0x10000C, 0, STT_NOTYPE);
  const std::vector<std::uint8_t> good = b.build();
  std::uint32_t x = 2005;
  auto next = [&x] { return x = x * 1103515245u + 12345u, x >> 8; };
  int loaded = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::uint8_t> bytes = good;
    const int edits = 1 + static_cast<int>(next() % 3);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = next() % bytes.size();
      if (next() % 2) {
        bytes[at] = static_cast<std::uint8_t>(next());
      } else if (at + 4 <= bytes.size()) {
        const std::uint32_t words[] = {0, 0xFFFFFFFF, 0x80000000, 0x7FFFFFF0, next()};
        ElfBuilder::put(bytes, at & ~std::size_t{3}, words[next() % 5]);
      }
    }
    if (next() % 8 == 0) bytes.resize(next() % bytes.size());
    std::vector<std::uint8_t> ram(kRam);
    try {
      const LoadedImage img = fs::load_elf_bytes(bytes, "k.elf", ram);
      CHECK(img.image_end <= kRam);
      ++loaded;
    } catch (const LoadError&) {
    }
    try {
      (void)fs::SymbolTable::from_elf_bytes(bytes);
    } catch (const LoadError&) {
    }
  }
  CHECK(loaded > 0);
}

TEST_CASE("elf_image: the build id covers what is loaded, not symbols or file layout",
          "[elf_image]") {
  auto id_of = [](const ElfBuilder& b) {
    std::vector<std::uint8_t> ram(kRam, 0);
    const LoadedImage img = fs::load_elf_bytes(b.build(), "k.elf", ram);
    return fs::image_build_id(img, ram);
  };
  ElfBuilder a;
  const auto base = id_of(a);
  CHECK(base.size() == 8);
  CHECK(id_of(a) == base);  // deterministic
  ElfBuilder with_symbols = a;
  with_symbols.symbols.push_back({"extra", 0x100004, 4});
  CHECK(id_of(with_symbols) == base);  // a .symtab changes the file, not the image
  ElfBuilder code = a;
  code.segments[0].data[13] = 0x90;  // one instruction byte
  CHECK(id_of(code) != base);
}
