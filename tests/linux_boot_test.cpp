// Mirrors loader/linux_boot.cpp, loader/bzimage.cpp, loader/boot_params.cpp and
// loader/kernel_payload.cpp: synthetic bzImages (tests/bzimage_builder.hpp) are loaded and every
// field a kernel reads is read back from RAM as the kernel would (Documentation/x86/boot.rst,
// zero-page.rst); each bad image is refused with its one line. The last cases boot one through
// the machine and the command line.
#include "loader/linux_boot.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "emu/machine.hpp"
#include "loader/bzimage.hpp"
#include "loader/kernel_payload.hpp"
#include "loader/load_error.hpp"
#include "tests/bzimage_builder.hpp"
// The CLI fixture: tests/cli_fixture.hpp (fs::test) on this branch, tests/cli/cli_fixture.hpp
// (fs::testing, the same API) on main since issue 16 item 6; whichever this tree has.
#if __has_include("tests/cli_fixture.hpp")
#include "tests/cli_fixture.hpp"
namespace fixture = fs::test;
#else
#include "tests/cli/cli_fixture.hpp"
namespace fixture = fs::testing;
#endif

using fs::LinuxBoot;
using fs::LoadError;
using fs::test::BzImageBuilder;
using fs::test::Compression;
using fs::test::vmlinux_builder;

namespace {

const std::vector<std::uint8_t> kCode = {0xF4, 0x90, 0x90, 0x90};  // hlt

struct Ram {
  std::vector<std::uint8_t> bytes;
  explicit Ram(std::size_t n) : bytes(n, 0xAA) {}
  template <class T>
  T get(std::uint32_t a) const {
    T v;
    std::memcpy(&v, bytes.data() + a, sizeof v);
    return v;
  }
  std::string str(std::uint32_t a) const { return reinterpret_cast<const char*>(&bytes[a]); }
};

LinuxBoot boot(Ram& ram, const std::vector<std::uint8_t>& image,
               const std::vector<std::uint8_t>& initrd = {}, std::string_view cmdline = "") {
  return fs::load_linux(image, "bz", initrd, "rd", cmdline, ram.bytes);
}

std::string refusal(const std::vector<std::uint8_t>& image, std::size_t ram_size = 8u << 20,
                    const std::vector<std::uint8_t>& initrd = {}, std::string_view cmdline = "") {
  Ram ram(ram_size);
  try {
    boot(ram, image, initrd, cmdline);
  } catch (const LoadError& e) {
    return e.what();
  }
  return "(loaded)";
}

}  // namespace

TEST_CASE("linux boot: vmlinux at its physical addresses, startup_32 the entry, ESI boot_params",
          "[linux_boot]") {
  const fs::test::ElfBuilder vm = vmlinux_builder(kCode);
  for (Compression c : {Compression::kXz, Compression::kGzip}) {
    Ram ram(8u << 20);
    const LinuxBoot b = boot(ram, BzImageBuilder(vm.build(), c).build());
    CHECK(b.kernel.entry == 0x100000);  // e_entry is physical (ENTRY(phys_startup_32))
    CHECK(b.esi == 0x10000);
    CHECK(b.protocol == 0x020F);
    CHECK(b.vmlinux == vm.build());
    CHECK(ram.bytes[0x100000] == 0xF4);
    CHECK(ram.bytes[0x102000] == 0x5A);
    CHECK(ram.bytes[0x1020FF] == 0x5A);
    CHECK(ram.bytes[0x102100] == 0);  // bss, zeroed
    CHECK(ram.bytes[0x102FFF] == 0);
    CHECK(ram.bytes[0x103000] == 0xAA);  // past the image: untouched
    CHECK(b.initrd_addr == 0);
    CHECK(b.initrd_size == 0);
  }
}

TEST_CASE("linux boot: boot_params as a 32-bit boot loader fills it", "[linux_boot]") {
  Ram ram(8u << 20);
  const std::vector<std::uint8_t> initrd(5000, 0x17);
  BzImageBuilder bz(vmlinux_builder(kCode).build());
  const std::vector<std::uint8_t> image = bz.build();
  const LinuxBoot b = boot(ram, image, initrd, "console=ttyS0 nokaslr");
  const std::uint32_t zp = b.esi;
  // The setup header, copied from the file at the same offsets, up to its end (0x26C)...
  for (std::uint32_t off = 0x1F1; off < 0x26C; ++off) {
    if (off == 0x210 || off == 0x211 || (off >= 0x218 && off < 0x220) ||
        (off >= 0x224 && off < 0x226) || (off >= 0x228 && off < 0x22C))
      continue;  // the loader's own fields, below
    INFO("offset " << off);
    CHECK(ram.bytes[zp + off] == image[off]);
  }
  CHECK(ram.get<std::uint32_t>(zp + 0x202) == 0x53726448);
  CHECK(ram.get<std::uint16_t>(zp + 0x206) == 0x020F);
  // ...then the loader's fields (boot.rst "DETAILS OF HEADER FIELDS").
  CHECK(ram.bytes[zp + 0x210] == 0xFF);                         // type_of_loader: undefined
  CHECK(ram.bytes[zp + 0x211] == (0x01 | 0x80));                // LOADED_HIGH | CAN_USE_HEAP
  CHECK(ram.get<std::uint16_t>(zp + 0x224) == 0xE000 - 0x200);  // heap_end_ptr
  CHECK(ram.str(ram.get<std::uint32_t>(zp + 0x228)) == "console=ttyS0 nokaslr");
  const auto rd = ram.get<std::uint32_t>(zp + 0x218);
  CHECK(ram.get<std::uint32_t>(zp + 0x21C) == 5000);
  CHECK(rd == b.initrd_addr);
  CHECK(b.initrd_size == 5000);
  // As high as RAM allows, page-aligned.
  CHECK(rd % 4096 == 0);
  CHECK(rd + 5000 <= (8u << 20));
  CHECK((8u << 20) - (rd + 5000) < 4096);
  CHECK(std::vector<std::uint8_t>(ram.bytes.begin() + rd, ram.bytes.begin() + rd + 5000) == initrd);
  // The e820 table: the PC's map for 8 MiB (loader/pc_memory_map.hpp).
  CHECK(ram.bytes[zp + 0x1E8] == 4);
  struct E820 {
    std::uint64_t addr, size;
    std::uint32_t type;
  };
  const E820 want[] = {{0, 0x9FC00, 1},
                       {0x9FC00, 0x400, 2},
                       {0xF0000, 0x10000, 2},
                       {0x100000, (8u << 20) - 0x100000, 1}};
  for (std::uint32_t i = 0; i < 4; ++i) {
    const std::uint32_t e = zp + 0x2D0 + 20 * i;
    INFO("e820 entry " << i);
    CHECK(ram.get<std::uint64_t>(e) == want[i].addr);
    CHECK(ram.get<std::uint64_t>(e + 8) == want[i].size);
    CHECK(ram.get<std::uint32_t>(e + 16) == want[i].type);
  }
  CHECK(ram.get<std::uint32_t>(zp + 0x1E0) == (8u << 10) - 1024);  // alt_mem_k
  // Everything else is zero: no screen_info, no EDD, sentinel 0 (sanitize_boot_params keeps all).
  CHECK(ram.bytes[zp + 0x1EF] == 0);
  for (std::uint32_t off = 0; off < 0x1E0; ++off) CHECK(ram.bytes[zp + off] == 0);
  for (std::uint32_t off = 0x2D0 + 80; off < 4096; ++off) CHECK(ram.bytes[zp + off] == 0);
}

TEST_CASE("linux boot: the initrd stays below initrd_addr_max and above the kernel",
          "[linux_boot]") {
  BzImageBuilder bz(vmlinux_builder(kCode).build());
  bz.initrd_addr_max = 0x5FFFFF;
  Ram ram(8u << 20);
  const LinuxBoot b = boot(ram, bz.build(), std::vector<std::uint8_t>(0x3000, 1));
  CHECK(b.initrd_addr == 0x600000 - 0x3000);
  // An initrd that would reach down into [pref_address, pref_address + init_size) is refused.
  bz.initrd_addr_max = 0x7FFFFFFF;
  bz.init_size = 0x600000;
  CHECK(refusal(bz.build(), 8u << 20, std::vector<std::uint8_t>(0x300000, 1)) ==
        "rd: initrd of 3145728 bytes does not fit between the kernel's end (0x700000) and 0x800000 "
        "(--ram 8 MiB): give more --ram");
}

TEST_CASE("linux boot: bad images are one line each", "[linux_boot]") {
  const std::vector<std::uint8_t> vm = vmlinux_builder(kCode).build();
  const std::vector<std::uint8_t> good = BzImageBuilder(vm).build();
  CHECK(refusal(vm) == "bz: not a Linux bzImage (no \"HdrS\" setup header at 0x202)");
  CHECK(refusal({}) == "bz: not a Linux bzImage (no \"HdrS\" setup header at 0x202)");
  {
    BzImageBuilder old(vm);
    old.protocol = 0x0206;
    CHECK(refusal(old.build()) ==
          "bz: boot protocol 2.06 is too old: forkscope needs 2.08 or later (payload_offset)");
  }
  {
    std::vector<std::uint8_t> cut(good.begin(), good.end() - 20);  // into the payload
    CHECK_THAT(refusal(cut), Catch::Matches("bz: truncated: payload \\[0xa40, 0x[0-9a-f]+\\) lies "
                                            "beyond the end of the file \\(0x[0-9a-f]+ bytes\\)"));
    std::vector<std::uint8_t> setup_only(good.begin(), good.begin() + 0x300);
    CHECK(refusal(setup_only) ==
          "bz: truncated: 4 setup sectors end at 0xa00, past the end of the file (0x300 bytes)");
  }
  {
    // The xz stream cut short (payload_length too small), then corrupted in the middle.
    BzImageBuilder short_payload(vm);
    short_payload.payload.resize(short_payload.payload.size() - 24);
    CHECK(refusal(short_payload.build()) == "bz: xz payload is truncated");
    BzImageBuilder corrupt(vm);
    for (std::size_t i = 40; i < 60; ++i) corrupt.payload[i] ^= 0x55;
    CHECK_THAT(refusal(corrupt.build()), Catch::StartsWith("bz: xz payload is corrupt"));
    BzImageBuilder gz(vm, Compression::kGzip);
    gz.payload.resize(gz.payload.size() / 2);
    CHECK(refusal(gz.build()) == "bz: gzip payload is truncated");
  }
  {
    BzImageBuilder zstd(vm, Compression::kNone);
    zstd.payload = {0x28, 0xB5, 0x2F, 0xFD, 0, 0, 0, 0};
    CHECK(refusal(zstd.build()) ==
          "bz: kernel payload is compressed with zstd: forkscope decompresses xz and gzip only");
    BzImageBuilder raw(vm, Compression::kNone);  // an uncompressed ELF: no known magic
    CHECK(refusal(raw.build()) == "bz: kernel payload is in no compression format forkscope knows");
  }
  {
    // A payload that decompresses to something other than an i386 executable.
    BzImageBuilder junk(std::vector<std::uint8_t>(100, 0x33));
    CHECK(refusal(junk.build()) == "bz (vmlinux): not an ELF file");
  }
  CHECK(refusal(good, 8u << 20, std::vector<std::uint8_t>(9u << 20, 1)) ==
        "rd: initrd of 9437184 bytes does not fit between the kernel's end (0x104000) and "
        "0x800000 (--ram 8 MiB): give more --ram");
  CHECK(refusal(good, 8u << 20, {}, std::string(2048, 'x')) ==
        "bz: kernel command line too long (2048 bytes, this kernel takes 2047)");
  CHECK(refusal(good, 8u << 20, {}, std::string("a\0b", 3)) ==
        "bz: kernel command line contains a NUL byte");
  CHECK_THAT(refusal(good, 1u << 20), Catch::Contains("lies outside RAM (1 MiB)"));
}

TEST_CASE("linux boot: the machine starts at startup_32 in the 32-bit boot protocol's state",
          "[linux_boot]") {
  fixture::CliFixture f;
  // mov al, [esi + 0x210] (type_of_loader); out 0xf4, al: the guest reads boot_params through
  // ESI and the flat __BOOT_DS and reports what it found.
  const std::string image = f.write("bz", [] {
    const auto b =
        BzImageBuilder(vmlinux_builder({0x8A, 0x86, 0x10, 0x02, 0x00, 0x00, 0xE6, 0xF4}).build())
            .build();
    return std::string(b.begin(), b.end());
  }());
  fs::MachineOptions o;
  o.ram_bytes = 8u << 20;
  o.cmdline = "console=ttyS0";
  o.initrd = f.write("rd", "0123456789");
  fs::Machine m(o);
  m.load(image);
  CHECK(m.reg(fs::Reg::kCs) == 0x10);
  for (fs::Reg r : {fs::Reg::kDs, fs::Reg::kEs, fs::Reg::kSs, fs::Reg::kFs, fs::Reg::kGs})
    CHECK(m.reg(r) == 0x18);
  CHECK(m.reg(fs::Reg::kEsi) == 0x10000);
  for (fs::Reg r : {fs::Reg::kEbp, fs::Reg::kEdi, fs::Reg::kEbx}) CHECK(m.reg(r) == 0);
  CHECK((m.reg(fs::Reg::kEflags) & 0x200) == 0);    // IF clear
  CHECK((m.reg(fs::Reg::kCr0) & 0x80000001) == 1);  // PE on, PG off
  const fs::RunResult r = m.run();
  CHECK(r.reason == fs::StopReason::kGuestExit);
  CHECK(r.guest_value == 0xFF);
}

TEST_CASE("linux boot: forkscope run --kernel/--initrd/--append, bad images status 2",
          "[linux_boot]") {
  fixture::CliFixture f;
  const auto good = BzImageBuilder(vmlinux_builder({0xB0, 0x00, 0xE6, 0xF4}).build()).build();
  const std::string image = f.write("bz", std::string(good.begin(), good.end()));
  const std::string rd = f.write("rd", "initrd");
  // mov al, 0; out 0xf4, al: exit 0, with QEMU's spellings too.
  CHECK(f.run({"run", "-q", "--kernel", image, "--initrd", rd, "--append", "x"}).status == 0);
  CHECK(f.run({"-kernel", image, "-initrd", rd, "-append", "x", "-m", "8"}).status == 0);
  CHECK(f.run({"run", "-q", "--kernel", image, "--cmdline", "x"}).status == 0);
  auto r =
      f.run({"run", "--kernel", f.write("half", std::string(good.begin(), good.begin() + 0x300))});
  CHECK(r.status == 2);
  CHECK(r.one_line() == "forkscope: " + f.path("half") +
                            ": truncated: 4 setup sectors end at 0xa00, past the end of the file "
                            "(0x300 bytes)");
  r = f.run({"run", "--kernel", image, "--initrd", f.path("missing")});
  CHECK(r.status == 2);
  CHECK(r.one_line() == "forkscope: " + f.path("missing") + ": no such file");
  r = f.run({"run", "--initrd", rd, fixture::test_guest("exit_value")});
  CHECK(r.status == 2);
  CHECK(r.one_line() == "forkscope: " + fixture::test_guest("exit_value") +
                            ": an initrd goes with a Linux bzImage, not a multiboot ELF");
}
