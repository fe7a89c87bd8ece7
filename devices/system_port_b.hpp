// PC/AT system control port B at 0x61 (one port): the PIT channel 2 gate and speaker enable, and
// what the board reads back. Source: IBM PC/AT Technical Reference (1984), "System Board I/O
// Address Map" port 0x61 bits; Intel 8254 datasheet for the counter it gates. QEMU's
// hw/audio/pcspk.c and Bochs' iodev/keyboard.cc (port 0x61) model the same bits.
//
// Open questions and the answers chosen:
// 1. Bits written: 0 = PIT channel 2 GATE (Pit8254::set_gate(2, ...) at the write's cycle), 1 =
//    speaker data enable (kept; there is no speaker), 2 = parity check disable, 3 = I/O channel
//    check disable (kept, read back; there is no parity or channel-check NMI source). Bits 7-4 of
//    a write are ignored (read-only on the AT).
// 2. Bits read: 3-0 as last written, 4 = the refresh toggle, 5 = PIT channel 2 OUT at the read's
//    cycle (Linux's pit_calibrate_tsc polls it), 6 = I/O channel check and 7 = parity error: 0.
// 3. The refresh toggle: on the AT it flips at every DRAM refresh request, which the BIOS paces
//    with PIT channel 1 in mode 2 with count 18 (15.08 us). With no BIOS, channel 1 is never
//    programmed here, so the toggle is derived from the PIT's input clock directly: bit 4 =
//    (PIT CLK number / 18) & 1. Deterministic (a function of the cycle), never stuck; QEMU instead
//    flips it on every read.
// 4. After reset the port is 0, so channel 2's GATE starts low (the AT's power-on state); the
//    constructor says so to the PIT.
// 5. An access wider than a byte uses the low byte.
#pragma once

#include <cstdint>

#include "devices/io_device.hpp"
#include "devices/pit8254.hpp"

namespace fs {

class SystemPortB : public IoDevice {
 public:
  static constexpr std::uint8_t kGate2 = 0x01, kSpeakerData = 0x02, kParityDisable = 0x04,
                                kChannelCheckDisable = 0x08, kRefreshToggle = 0x10, kOut2 = 0x20;
  static constexpr std::uint64_t kRefreshClks = 18;  // the AT BIOS's channel 1 count

  explicit SystemPortB(Pit8254& pit);

  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override;
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override;
  const char* name() const override { return "port61"; }

  // Everything the port holds (a machine snapshot, emu/snapshot.hpp). Channel 2's GATE is the
  // PIT's state: restore() does not set it again.
  struct State {
    std::uint8_t written = 0;  // bits 3-0 as last written (open question 1)
    bool operator==(const State&) const = default;
  };
  const State& state() const { return s_; }
  void restore(const State& s) { s_ = s; }

  std::uint8_t written() const { return s_.written; }

 private:
  Pit8254& pit_;
  State s_;
};

}  // namespace fs
