// The PC the guest sees: the chips on the ISA port bus and the lines between them. The machine
// (emu/machine.hpp) runs the CPU; this board is everything the CPU reaches with IN and OUT, and the
// INT line it samples at instruction boundaries. No Unicorn here: the board is plain devices.
//
// Port map (IBM PC/AT Technical Reference, "System I/O Address Map"; QEMU's pc board for the
// debug-exit port):
//   0x20-0x21 PIC master     0x40-0x43 PIT            0x60 i8042 data     0x61 system port B
//   0x64 i8042 status/cmd    0x70-0x71 CMOS/RTC       0x80 POST code      0xA0-0xA1 PIC slave
//   0xF4-0xF7 debug-exit     0x3F8-0x3FF COM1 (UART)
// IRQ lines: PIT OUT0 -> IRQ0, i8042 keyboard -> IRQ1, COM1 -> IRQ4, i8042 AUX -> IRQ12 (the
// slave's IR4); the slave's INT drives the master's IR2 (PicPair). PIT channel 2's GATE is port B
// bit 0. Attach order is device id (devices/port_bus.hpp question 3): PIC master, PIT, PIC slave,
// debug-exit, UART, i8042 data, port B, i8042 command, CMOS, POST. Same-cycle events fire in
// that order, so it must not change.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "devices/cmos_rtc.hpp"
#include "devices/debug_exit.hpp"
#include "devices/i8042.hpp"
#include "devices/pic8259.hpp"
#include "devices/pit8254.hpp"
#include "devices/port_bus.hpp"
#include "devices/post_port.hpp"
#include "devices/system_port_b.hpp"
#include "devices/uart16550.hpp"

namespace fs {

// What COM1's far end sends for `input`: the bytes, then ^D (two when the last line is unended).
std::vector<std::uint8_t> serial_input_with_eof(std::vector<std::uint8_t> input);

// Where the board's outputs go: the machine decides what they mean.
struct PcBoardWiring {
  std::uint64_t cpu_hz = 100'000'000;
  std::uint64_t ram_bytes = 64ull << 20;         // for the CMOS memory-size bytes
  std::function<void(std::uint8_t)> serial_out;  // COM1's transmitted bytes; default: stdout
  // The bytes COM1 receives, or none: no input connected (MachineOptions::serial_input).
  std::optional<std::vector<std::uint8_t>> serial_input;
  std::function<void(std::uint32_t value)> on_exit;  // a debug-exit write
  std::function<void()> on_reset;                    // the i8042 pulsed the CPU's RESET line
};

class PcBoard {
 public:
  explicit PcBoard(PcBoardWiring w);
  PcBoard(const PcBoard&) = delete;
  PcBoard& operator=(const PcBoard&) = delete;

  // IN and OUT (at the cycle the access happens), and the devices' time.
  std::uint32_t read(Cycles now, std::uint16_t port, unsigned size) {
    return bus_.read(now, port, size);
  }
  void write(Cycles now, std::uint16_t port, unsigned size, std::uint32_t value) {
    bus_.write(now, port, size, value);
  }
  void run_until(Cycles now) { bus_.run_until(now); }
  Cycles next_event() const { return bus_.next_event(); }
  // The PIC pair's INT output, and the INTA cycle that takes its vector.
  bool interrupt_pending() const { return pic_.interrupt_pending(); }
  std::uint8_t acknowledge() { return pic_.acknowledge(); }

  const PortBus& bus() const { return bus_; }
  const Uart16550& uart() const { return uart_; }

  // Every chip's state and the bus's counts (a machine snapshot, emu/snapshot.hpp). restore()
  // fires no edges: every end of every line is restored together.
  struct State {
    Pit8254::State pit;
    Pic8259::State pic_master, pic_slave;
    Uart16550::State uart;
    DebugExit::State debug_exit;
    CmosRtc::State cmos;
    SystemPortB::State port_b;
    PostPort::State post;
    I8042::State i8042;
    std::uint64_t unclaimed_reads = 0, unclaimed_writes = 0;
  };
  State state() const;
  void restore(const State& s);

 private:
  PortBus bus_;
  Pit8254 pit_;
  PicPair pic_;
  Uart16550 uart_;
  DebugExit debug_exit_;
  // The rest of the PC Linux probes (issue 13); each header says what it models.
  CmosRtc cmos_;
  SystemPortB port_b_;
  PostPort post_;
  I8042 i8042_;
};

}  // namespace fs
