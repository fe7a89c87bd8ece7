// libFuzzer harness: the bytes are a guest image file, loaded as `forkscope run IMAGE` loads it
// (emu/machine.cpp Machine::load): the ELF segments and multiboot header into RAM
// (loader/elf_image.hpp), the image's build id, the multiboot information block
// (loader/multiboot.hpp), and the symbol table (loader/symbols.hpp), which `run` and every trace
// reader build from the same file; and as a Linux run's initramfs, whose programs the trace tools
// take (loader/initramfs.hpp). A refusal is a LoadError, one line; anything else escaping, a
// sanitizer report or an allocation past libFuzzer's limit is a finding (scripts/fuzz, issue 12).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "loader/elf_image.hpp"
#include "loader/initramfs.hpp"
#include "loader/load_error.hpp"
#include "loader/multiboot.hpp"
#include "loader/symbols.hpp"

namespace {

// The smallest RAM `run --ram` accepts (emu/ram_size.hpp): an image reaching past it is refused
// like one past 64 MiB, and a small buffer keeps each run fast.
constexpr std::size_t kRamBytes = 2u << 20;

void load(std::span<const std::uint8_t> file) {
  static std::vector<std::uint8_t> ram(kRamBytes);
  try {
    const fs::LoadedImage img = fs::load_elf_bytes(file, "fuzz.elf", ram);
    (void)fs::image_build_id(img, ram);
    (void)fs::write_multiboot_info(ram, img, "init=fuzz quiet");
  } catch (const fs::LoadError&) {
  }
}

void symbols(std::span<const std::uint8_t> file) {
  try {
    fs::SymbolTable syms = fs::SymbolTable::from_elf_bytes(file, "fuzz.elf");
    syms.set_limit(0x200000);
    // What a dump asks of it: a name for addresses around every symbol, and names back.
    for (std::uint32_t a : {0u, 0x100000u, 0x10000Cu, 0x1FFFFFu, 0xFFFFFFFFu})
      (void)syms.describe(a);
    (void)syms.address_of("_start");
  } catch (const fs::LoadError&) {
  }
}

void initramfs(std::span<const std::uint8_t> file) {
  try {
    (void)fs::read_initramfs(file, "fuzz.cpio");
  } catch (const fs::LoadError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> file(data, size);
  load(file);
  symbols(file);
  initramfs(file);
  return 0;
}
