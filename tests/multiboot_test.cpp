// Mirrors loader/multiboot.cpp: every field of the boot information is read back from guest RAM as
// a multiboot kernel would read it (Multiboot Specification 0.6.96, 3.3).
#include "loader/multiboot.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "tests/elf_builder.hpp"

using fs::BootState;
using fs::LoadedImage;
using fs::LoadError;
using fs::test::ElfBuilder;

namespace {

struct Guest {
  std::vector<std::uint8_t> ram;
  LoadedImage image;

  explicit Guest(std::size_t ram_size, const ElfBuilder& b = ElfBuilder(), std::uint8_t fill = 0xAA)
      : ram(ram_size, fill) {
    image = fs::load_elf_bytes(b.build(), "k.elf", ram);
  }
  BootState boot(std::string_view cmdline) { return fs::write_multiboot_info(ram, image, cmdline); }
  std::uint32_t u32(std::uint32_t a) const {
    std::uint32_t v;
    std::memcpy(&v, ram.data() + a, 4);
    return v;
  }
  std::uint64_t u64(std::uint32_t a) const {
    std::uint64_t v;
    std::memcpy(&v, ram.data() + a, 8);
    return v;
  }
  std::string str(std::uint32_t a) const {
    return std::string(reinterpret_cast<const char*>(ram.data() + a));
  }
};

struct MmapEntry {
  std::uint32_t size;
  std::uint64_t base, length;
  std::uint32_t type;
};

// Walks the map the way 3.3 tells a kernel to: each entry at the previous one + size + 4.
std::vector<MmapEntry> read_mmap(const Guest& g, std::uint32_t mbi) {
  std::vector<MmapEntry> out;
  const std::uint32_t addr = g.u32(mbi + 48), len = g.u32(mbi + 44);
  for (std::uint32_t at = addr; at < addr + len; at += g.u32(at) + 4)
    out.push_back({g.u32(at), g.u64(at + 4), g.u64(at + 12), g.u32(at + 20)});
  return out;
}

}  // namespace

TEST_CASE("multiboot: the boot state of 3.2 and every field of the 3.3 block", "[multiboot]") {
  Guest g(64u << 20);
  const BootState b = g.boot("init=sched console=ttyS0");
  CHECK(b.eax == 0x2BADB002);
  CHECK(b.eax == fs::kMultibootBootloaderMagic);
  CHECK(b.eip == 0x10000C);
  CHECK(b.ebx == 0x9000);
  const std::uint32_t mbi = b.ebx;

  CHECK(g.u32(mbi + 0) == ((1u << 0) | (1u << 2) | (1u << 6) | (1u << 9)));       // flags
  CHECK(g.u32(mbi + 4) == 639);                                                   // mem_lower, KiB
  CHECK(g.u32(mbi + 8) == (64u << 10) - 1024);                                    // mem_upper, KiB
  CHECK(g.u32(mbi + 12) == 0);                                                    // boot_device
  CHECK(g.str(g.u32(mbi + 16)) == "init=sched console=ttyS0");                    // cmdline
  CHECK(g.u32(mbi + 20) == 0);                                                    // mods_count
  CHECK(g.u32(mbi + 24) == 0);                                                    // mods_addr
  for (std::uint32_t off = 28; off < 44; off += 4) CHECK(g.u32(mbi + off) == 0);  // syms
  CHECK(g.u32(mbi + 44) == 4 * 24);                                               // mmap_length
  for (std::uint32_t off = 52; off < 64; off += 4) CHECK(g.u32(mbi + off) == 0);  // drives, config
  CHECK(g.str(g.u32(mbi + 64)) == "forkscope");  // boot_loader_name
  for (std::uint32_t off = 68; off < 88; off += 4) CHECK(g.u32(mbi + off) == 0);  // apm, vbe

  const std::vector<MmapEntry> map = read_mmap(g, mbi);
  REQUIRE(map.size() == 4);
  for (const MmapEntry& e : map) CHECK(e.size == 20);  // the size field does not count itself
  CHECK(map[0].base == 0);
  CHECK(map[0].length == 0x9FC00);
  CHECK(map[0].type == 1);
  CHECK(map[1].base == 0x9FC00);
  CHECK(map[1].length == 0x400);
  CHECK(map[1].type == 2);
  CHECK(map[2].base == 0xF0000);
  CHECK(map[2].length == 0x10000);
  CHECK(map[2].type == 2);
  CHECK(map[3].base == 0x100000);
  CHECK(map[3].length == (64u << 20) - 0x100000);
  CHECK(map[3].type == 1);
}

TEST_CASE("multiboot: mem_upper and the last map entry follow the RAM size", "[multiboot]") {
  Guest g((3u << 20) + 512 * 1024);
  const BootState b = g.boot("");
  CHECK(g.u32(b.ebx + 8) == 2048 + 512);
  CHECK(read_mmap(g, b.ebx).back().length == (2u << 20) + 512 * 1024);
  CHECK(g.str(g.u32(b.ebx + 16)).empty());  // an empty command line is still a string
  CHECK((g.u32(b.ebx) & (1u << 2)) != 0);
}

TEST_CASE("multiboot: the information area lies in free low memory, apart from the image",
          "[multiboot]") {
  ElfBuilder eb;
  eb.add_segment(0x102000, {1, 2, 3}, 0x2000);
  Guest g(16u << 20, eb);
  const BootState b = g.boot(std::string(300, 'x'));
  const std::uint32_t mbi = b.ebx;
  // Everything the block points to is inside [ebx, info_end)...
  struct Range {
    std::uint32_t lo, hi;
  };
  const std::uint32_t cmd = g.u32(mbi + 16), name = g.u32(mbi + 64), mmap = g.u32(mbi + 48);
  const Range used[] = {
      {mbi, mbi + 88}, {mmap, mmap + g.u32(mbi + 44)}, {name, name + 10}, {cmd, cmd + 301}};
  for (const Range& r : used) {
    CHECK(r.lo >= mbi);
    CHECK(r.hi <= b.info_end);
    // ...in RAM the map calls available and below the EBDA...
    CHECK(r.hi <= 0x9FC00);
    // ...and touching no loaded segment.
    for (const fs::LoadedSegment& s : g.image.segments)
      CHECK((r.hi <= s.paddr || r.lo >= s.paddr + s.memsz));
  }
  // The pieces do not overlap each other.
  CHECK(mbi + 88 <= mmap);
  CHECK(mmap + 96 <= name);
  CHECK(name + 10 <= cmd);
  // Nothing outside the area was written: the image and the rest of low memory are intact.
  CHECK(g.ram[mbi - 1] == 0xAA);
  CHECK(g.ram[b.info_end] == 0xAA);
  CHECK(g.ram[0x102000] == 1);
  CHECK(g.ram[0x10000C] == 0xF4);
}

TEST_CASE("multiboot: the area is cleared before it is written", "[multiboot]") {
  Guest g(8u << 20, ElfBuilder(), 0xFF);
  const BootState b = g.boot("a");
  CHECK(g.u32(b.ebx + 12) == 0);
  CHECK(g.u32(b.ebx + 84) == 0);
  const std::uint32_t cmd = g.u32(b.ebx + 16);
  CHECK(g.ram[cmd + 1] == 0);                // the NUL after the command line
  CHECK(g.ram[g.u32(b.ebx + 64) + 9] == 0);  // the NUL after "forkscope"
  CHECK(b.info_end == cmd + 2);
}

TEST_CASE("multiboot: an image over the information area is refused", "[multiboot]") {
  ElfBuilder eb;
  eb.add_segment(0x8000, std::vector<std::uint8_t>(16, 7), 0x1010);  // [0x8000, 0x9010)
  Guest g(8u << 20, eb);
  CHECK_THROWS_WITH(
      g.boot("x"),
      "k.elf: segment [0x00008000, 0x00009010) overlaps the multiboot information area "
      "[0x00009000, 0x000090c4)");
  CHECK(g.ram[0x9010] == 0xAA);  // nothing written
  CHECK(g.ram[0x8000] == 7);
}

TEST_CASE("multiboot: a segment just after the area is accepted", "[multiboot]") {
  ElfBuilder eb;
  eb.add_segment(0x90C4, {}, 0x10);  // the area for "x" ends at 0x90c4
  Guest g(8u << 20, eb);
  CHECK(g.boot("x").info_end == 0x90C4);
}

TEST_CASE("multiboot: command line and RAM limits", "[multiboot]") {
  SECTION("the longest command line fits") {
    Guest g(8u << 20);
    const std::string longest(fs::kMultibootCmdlineMax, 'c');
    const BootState b = g.boot(longest);
    CHECK(g.str(g.u32(b.ebx + 16)) == longest);
    CHECK(b.info_end <= 0x9FC00);
  }
  SECTION("one byte more does not") {
    Guest g(8u << 20);
    CHECK_THROWS_WITH(g.boot(std::string(fs::kMultibootCmdlineMax + 1, 'c')),
                      "multiboot: kernel command line too long (4096 bytes, at most 4095)");
  }
  SECTION("a NUL inside the command line") {
    Guest g(8u << 20);
    CHECK_THROWS_WITH(g.boot(std::string_view("a\0b", 3)),
                      "multiboot: kernel command line contains a NUL byte");
  }
  SECTION("RAM that ends at 1 MiB") {
    std::vector<std::uint8_t> ram(1u << 20);
    LoadedImage none;
    CHECK_THROWS_WITH(
        fs::write_multiboot_info(ram, none, ""),
        "multiboot: RAM of 1024 KiB is too small (the memory map needs RAM above 1 MiB)");
  }
  SECTION("a failed write is a LoadError") {
    Guest g(8u << 20);
    CHECK_THROWS_AS(g.boot(std::string(5000, 'c')), LoadError);
  }
}
