// Machine::load for a Linux bzImage (loader/linux_boot.hpp): the register state of boot.rst's
// "32-bit BOOT PROTOCOL" and the devices as a PC BIOS hands them to a boot loader.
#include <fmt/format.h>

#include "emu/machine.hpp"
#include "emu/pc_board.hpp"
#include "loader/kallsyms.hpp"
#include "loader/linux_boot.hpp"

namespace fs {
namespace {

// What a PC BIOS leaves in the PIT and the PIC pair before it loads a boot loader (SeaBIOS
// pit_setup and pic_setup do this; the IBM PC/AT BIOS listing the same): PIT channel 0 in mode 3
// with count 0 (65536: the 18.2 Hz BIOS tick), the PICs initialised with vector bases 0x08 and
// 0x70, cascade on IRQ2, 8086 mode, and only the cascade and the timer unmasked. Linux
// reprograms both (init_8259A, setup_pit_timer); until then IF is 0. Loaded, channel 0 counts and
// its status byte has NULL COUNT clear, which code that reads it back (a read-back command) waits
// for.
void bios_device_state(PcBoard& board) {
  struct Out {
    std::uint16_t port;
    std::uint8_t value;
  };
  static constexpr Out kOuts[] = {
      {0x43, 0x36}, {0x40, 0x00}, {0x40, 0x00},  // 8254: counter 0, LSB then MSB, mode 3, binary
      {0x20, 0x11}, {0x21, 0x08}, {0x21, 0x04}, {0x21, 0x01},  // 8259A master: ICW1-4
      {0xA0, 0x11}, {0xA1, 0x70}, {0xA1, 0x02}, {0xA1, 0x01},  // slave: ICW1-4
      {0x21, 0xFA}, {0xA1, 0xFF},                              // OCW1: IRQ0 and IRQ2 open
  };
  for (const Out& o : kOuts) board.write(0, o.port, 1, o.value);
}

}  // namespace

void Machine::load_linux(std::span<const std::uint8_t> image, const std::string& path) {
  std::vector<std::uint8_t> initrd;
  if (!opt_.initrd.empty()) {
    initrd = read_file(opt_.initrd);
    if (initrd.empty()) throw LoadError(fmt::format("{}: empty initrd", opt_.initrd));
  }
  LinuxBoot boot = fs::load_linux(image, path, initrd, opt_.initrd, opt_.cmdline, ram_);
  build_id_ = fs::image_build_id(boot.kernel, ram_);
  // Debian's vmlinux is stripped: its symbols come from its own kallsyms tables.
  symbols_ = linux_symbols(boot.vmlinux, path, symbols_note_);
  // boot.rst, 32-bit boot protocol: flat 4 GiB __BOOT_CS/__BOOT_DS, interrupts off, %esi the
  // boot_params, %ebp, %edi and %ebx zero. CR0.PE on and PG off as for multiboot.
  cpu_->load_flat_boot_segments(kBootCs, kBootDs);
  cpu_->set_reg(Reg::kEsi, boot.esi);
  for (Reg r : {Reg::kEax, Reg::kEbx, Reg::kEcx, Reg::kEdx, Reg::kEbp, Reg::kEdi})
    cpu_->set_reg(r, 0);
  cpu_->set_reg(Reg::kEflags, 0x2);
  cpu_->set_reg(Reg::kEsp, kLinuxBootEsp);
  bios_device_state(board_);
  boot_eip_ = boot.kernel.entry;
  loaded_ = true;
}

}  // namespace fs
