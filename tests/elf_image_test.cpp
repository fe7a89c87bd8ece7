// Mirrors loader/elf_image.cpp and loader/multiboot.cpp with hand-made (and hand-broken) ELF
// images.
#include "loader/elf_image.hpp"

#include <elf.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <vector>

#include "loader/multiboot.hpp"
#include "loader/symbols.hpp"

using namespace fs;

namespace {

// A minimal multiboot ELF: header, one PT_LOAD at 1 MiB (16 bytes of file data, 64 of memory), the
// multiboot header at file offset 0x100 (the segment's start).
struct Image {
  std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(0x200, 0);
  Elf32_Ehdr& eh() { return *reinterpret_cast<Elf32_Ehdr*>(bytes.data()); }
  Elf32_Phdr& ph() { return *reinterpret_cast<Elf32_Phdr*>(bytes.data() + sizeof(Elf32_Ehdr)); }
  Image() {
    std::memcpy(bytes.data(), ELFMAG, SELFMAG);
    bytes[EI_CLASS] = ELFCLASS32;
    bytes[EI_DATA] = ELFDATA2LSB;
    bytes[EI_VERSION] = EV_CURRENT;
    eh().e_type = ET_EXEC;
    eh().e_machine = EM_386;
    eh().e_version = EV_CURRENT;
    eh().e_entry = 0x10000C;
    eh().e_phoff = sizeof(Elf32_Ehdr);
    eh().e_ehsize = sizeof(Elf32_Ehdr);
    eh().e_phentsize = sizeof(Elf32_Phdr);
    eh().e_phnum = 1;
    ph().p_type = PT_LOAD;
    ph().p_offset = 0x100;
    ph().p_paddr = ph().p_vaddr = 0x100000;
    ph().p_filesz = 16;
    ph().p_memsz = 64;
    ph().p_flags = PF_R | PF_X;
    multiboot(0x1BADB002, 0x3);
    bytes[0x10C] = 0xF4;  // hlt at the entry
  }
  void multiboot(std::uint32_t magic, std::uint32_t flags, std::int64_t fix = 0) {
    const std::uint32_t w[3] = {magic, flags, static_cast<std::uint32_t>(-(magic + flags) + fix)};
    std::memcpy(bytes.data() + 0x100, w, 12);
  }
  LoadedImage load(std::vector<std::uint8_t>& ram) { return load_elf_bytes(bytes, "k.elf", ram); }
};

std::string load_error(Image& img, std::size_t ram_size = 4u << 20) {
  std::vector<std::uint8_t> ram(ram_size);
  try {
    img.load(ram);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("elf_image: a valid image loads its segment and zeroes the rest", "[elf_image]") {
  Image img;
  std::vector<std::uint8_t> ram(4u << 20, 0xAA);
  LoadedImage l = img.load(ram);
  CHECK(l.entry == 0x10000C);
  CHECK(l.multiboot.offset == 0x100);
  CHECK(l.image_end == 0x100040);
  CHECK(ram[0x100000] == 0x02);  // multiboot magic, little-endian
  CHECK(ram[0x10000C] == 0xF4);
  CHECK(ram[0x100010] == 0);  // bss zeroed
  CHECK(ram[0x10003F] == 0);
  CHECK(ram[0x100040] == 0xAA);  // untouched beyond memsz
}

TEST_CASE("elf_image: bad input is one line naming the problem", "[elf_image]") {
  SECTION("not a file") {
    CHECK_THROWS_WITH(load_elf("/nonexistent/kernel.elf", {}), Catch::Contains("no such file"));
    CHECK_THROWS_WITH(load_elf("/tmp", {}), Catch::Contains("not a regular file"));
  }
  SECTION("not ELF") {
    Image img;
    img.bytes[0] = 'M';
    CHECK_THAT(load_error(img), Catch::Contains("not an ELF file"));
    img.bytes.resize(2);
    CHECK_THAT(load_error(img), Catch::Contains("not an ELF file"));
  }
  SECTION("64-bit") {
    Image img;
    img.bytes[EI_CLASS] = ELFCLASS64;
    CHECK_THAT(load_error(img), Catch::Contains("not a 32-bit"));
  }
  SECTION("big-endian") {
    Image img;
    img.bytes[EI_DATA] = ELFDATA2MSB;
    CHECK_THAT(load_error(img), Catch::Contains("little-endian"));
  }
  SECTION("not i386") {
    Image img;
    img.eh().e_machine = EM_X86_64;
    CHECK_THAT(load_error(img), Catch::Contains("not an i386"));
  }
  SECTION("not an executable") {
    Image img;
    img.eh().e_type = ET_DYN;
    CHECK_THAT(load_error(img), Catch::Contains("ET_EXEC"));
  }
  SECTION("no multiboot header") {
    Image img;
    img.multiboot(0, 0);
    CHECK_THAT(load_error(img), Catch::Contains("no multiboot header"));
  }
  SECTION("bad checksum") {
    Image img;
    img.multiboot(0x1BADB002, 0x3, 1);
    CHECK_THAT(load_error(img), Catch::Contains("bad checksum"));
  }
  SECTION("unsupported multiboot requirement") {
    Image img;
    img.multiboot(0x1BADB002, 0x4);  // bit 2: video mode
    CHECK_THAT(load_error(img), Catch::Contains("flags 0x4"));
  }
  SECTION("segment outside RAM") {
    Image img;
    img.ph().p_paddr = 0x3FFFF0;
    img.eh().e_entry = 0x3FFFF0;
    CHECK_THAT(load_error(img), Catch::Contains("outside RAM (4 MiB)"));
  }
  SECTION("truncated file") {
    Image img;
    img.ph().p_filesz = 0x200;
    img.ph().p_memsz = 0x200;
    CHECK_THAT(load_error(img), Catch::Contains("truncated"));
    Image cut;
    cut.eh().e_phoff = 0x1F0;
    CHECK_THAT(load_error(cut), Catch::Contains("truncated"));
  }
  SECTION("filesz > memsz") {
    Image img;
    img.ph().p_memsz = 8;
    CHECK_THAT(load_error(img), Catch::Contains("p_filesz"));
  }
  SECTION("address overflow") {
    Image img;
    img.ph().p_paddr = 0xFFFFFFF0;
    img.ph().p_memsz = 0x100;
    CHECK_THAT(load_error(img), Catch::Contains("outside RAM"));
  }
  SECTION("entry outside any executable segment") {
    Image img;
    img.eh().e_entry = 0x200000;
    CHECK_THAT(load_error(img), Catch::Contains("entry point"));
  }
}

TEST_CASE("multiboot: the info block follows the 0.6.96 layout", "[multiboot]") {
  Image img;
  std::vector<std::uint8_t> ram(64u << 20);
  LoadedImage l = img.load(ram);
  BootState b = write_multiboot_info(ram, l, "init=sched");
  CHECK(b.eax == 0x2BADB002);
  CHECK(b.eip == 0x10000C);
  auto u32 = [&](std::uint32_t a) {
    std::uint32_t v;
    std::memcpy(&v, ram.data() + a, 4);
    return v;
  };
  const std::uint32_t mbi = b.ebx;
  CHECK(u32(mbi) == ((1u << 0) | (1u << 2) | (1u << 6) | (1u << 9)));
  CHECK(u32(mbi + 4) == 639);
  CHECK(u32(mbi + 8) == (64u << 10) - 1024);
  CHECK(std::string(reinterpret_cast<const char*>(ram.data() + u32(mbi + 16))) == "init=sched");
  CHECK(std::string(reinterpret_cast<const char*>(ram.data() + u32(mbi + 64))) == "forkscope");
  const std::uint32_t len = u32(mbi + 44), at = u32(mbi + 48);
  REQUIRE(len == 4 * 24);
  // Last entry: RAM above 1 MiB, available (type 1), with the size field = 20.
  CHECK(u32(at + 72) == 20);
  std::uint64_t base, length;
  std::memcpy(&base, ram.data() + at + 76, 8);
  std::memcpy(&length, ram.data() + at + 84, 8);
  CHECK(base == 0x100000);
  CHECK(length == (64u << 20) - 0x100000);
  CHECK(u32(at + 92) == 1);
}

TEST_CASE("symbols: nearest symbol at or below, with offsets", "[symbols]") {
  SymbolTable t;
  t.add("schedule", 0x101000, 0x100);
  t.add("ret_from_fork", 0x102000, 0);
  CHECK(t.describe(0x101000) == "schedule");
  CHECK(t.describe(0x101010) == "schedule+0x10");
  CHECK(t.describe(0x102005) == "ret_from_fork+0x5");
  CHECK(t.describe(0x100000) == "0x00100000");
  CHECK(t.address_of("ret_from_fork") == 0x102000u);
  CHECK_FALSE(t.address_of("nope"));
}

TEST_CASE("symbols: assembly labels (NOTYPE) come from a real guest's .symtab", "[symbols]") {
  SymbolTable t = SymbolTable::from_elf(std::string(FS_BUILD_DIR) + "/tests/machine/rdtsc.elf");
  REQUIRE_FALSE(t.empty());
  auto a = t.address_of("after_rdtsc");
  REQUIRE(a);
  CHECK(t.describe(*a) == "after_rdtsc");
  CHECK(t.describe(*a + 2) == "after_rdtsc+0x2");
}
