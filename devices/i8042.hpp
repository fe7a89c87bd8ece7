// The PS/2 keyboard controller (Intel 8042 with IBM's firmware) at 0x60 (data) and 0x64 (status on
// read, command on write), with no keyboard and no mouse attached. Sources: IBM PS/2 Hardware
// Interface Technical Reference, "Keyboard/Auxiliary Device Controller" (status bits, command
// byte, commands 20h-FFh); Linux drivers/input/serio/i8042.c (what its probe sends and expects).
//
// Open questions and the answers chosen:
// 1. Which commands? 20h-3Fh read controller RAM (20h: the command byte), 60h-7Fh write it, A7h/A8h
//    AUX disable/enable, A9h AUX interface test -> 00h, AAh self-test -> 55h, ABh keyboard
//    interface test -> 00h, ADh/AEh keyboard disable/enable, D0h/D1h read/write the output port,
//    D2h/D3h write the keyboard/AUX output buffer (the loopback Linux's i8042_check_aux and MUX
//    probe use), D4h write to the AUX device, F0h-FFh pulse output port bits. Others (A1h, A4h,
//    C0h, E0h...) are ignored: nothing is queued, as an 8042 without that command does.
// 2. No devices: a byte written to 0x60 outside a command goes to the keyboard, and a D4h byte to
//    the mouse; neither answers, so the controller queues FEh with the time-out bit (status bit 6)
//    from that port, as a PS/2 controller reports a device that does not respond. Linux's atkbd
//    and psmouse probes then fail at once instead of waiting for time-outs.
// 3. Timing: none. Commands complete at the write; IBF (status bit 1) always reads 0. Responses
//    wait in a queue; the head is the output buffer (OBF, AUXDATA and TIMEOUT describe it) and a
//    read of 0x60 moves the next one in. Reading an empty buffer returns the last byte again.
// 4. IRQs: IRQ1 is high while the output buffer holds a keyboard-port byte and command byte bit 0
//    is set; IRQ12 likewise for an AUX byte and bit 1. Edges only, like the other devices.
// 5. Reset: a pulse of output port bit 0 (FEh, or any F0h-FFh with bit 0 clear) or a D1h write with
//    bit 0 clear asserts the CPU's RESET line: on_reset is called and the machine ends the run
//    (docs/exit-status.md). The A20 bit (output port bit 1) is stored only: forkscope never wraps
//    addresses at 1 MiB.
// 6. State after reset, as a BIOS leaves it: command byte 0x65 (keyboard interrupt on, system flag
//    set, keyboard port enabled, AUX port disabled, scan-code translation on), status SYS flag and
//    keyboard-unlocked bits set, output port 0x03 (not in reset, A20 on), nothing queued.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>

#include "devices/io_device.hpp"

namespace fs {

class I8042 : public IoDevice {
 public:
  // Offsets as the chip sees them: 0 = port 0x60, 4 = port 0x64 (attach the two windows).
  static constexpr std::uint16_t kData = 0, kStatusCommand = 4;
  // Status register.
  static constexpr std::uint8_t kStatusObf = 0x01, kStatusIbf = 0x02, kStatusSys = 0x04,
                                kStatusCmd = 0x08, kStatusUnlocked = 0x10, kStatusAuxData = 0x20,
                                kStatusTimeout = 0x40;
  // Command byte (controller RAM 0).
  static constexpr std::uint8_t kCtrKbdInt = 0x01, kCtrAuxInt = 0x02, kCtrSys = 0x04,
                                kCtrKbdDis = 0x10, kCtrAuxDis = 0x20, kCtrXlate = 0x40;
  static constexpr std::uint8_t kCmdReadCtr = 0x20, kCmdWriteCtr = 0x60, kCmdAuxDisable = 0xA7,
                                kCmdAuxEnable = 0xA8, kCmdAuxTest = 0xA9, kCmdSelfTest = 0xAA,
                                kCmdKbdTest = 0xAB, kCmdKbdDisable = 0xAD, kCmdKbdEnable = 0xAE,
                                kCmdReadOutput = 0xD0, kCmdWriteOutput = 0xD1, kCmdKbdLoop = 0xD2,
                                kCmdAuxLoop = 0xD3, kCmdAuxSend = 0xD4, kCmdPulseReset = 0xFE;
  static constexpr std::uint8_t kSelfTestOk = 0x55, kNoDevice = 0xFE;

  explicit I8042(std::function<void()> on_reset) : on_reset_(std::move(on_reset)) {}
  void set_irq_handlers(std::function<void(bool)> irq1, std::function<void(bool)> irq12) {
    irq1_ = std::move(irq1);
    irq12_ = std::move(irq12);
  }

  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override;
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override;
  const char* name() const override { return "i8042"; }

  // The port bus claims ranges, and 0x60 and 0x64 are not adjacent (0x61 is port B): attach
  // data_port() at 0x60 and command_port() at 0x64, one port each.
  IoDevice& data_port() { return data_window_; }
  IoDevice& command_port() { return command_window_; }

  struct Byte {
    std::uint8_t value = 0;
    bool aux = false;      // from the AUX port (status bit 5, IRQ12)
    bool timeout = false;  // no device answered (status bit 6)
    bool operator==(const Byte&) const = default;
  };
  // Everything the chip holds (a machine snapshot, emu/snapshot.hpp). restore() fires no IRQ edge:
  // the PIC's input levels are restored with it.
  struct State {
    std::array<std::uint8_t, 32> ram{0x65};  // controller RAM; [0] = command byte (question 6)
    std::deque<Byte> out;                    // the head is the output buffer
    std::uint8_t last_read = 0;
    std::uint8_t pending = 0;  // a command waiting for its data byte, or 0
    bool last_was_command = false;
    std::uint8_t output_port = 0x03;
    bool irq1 = false, irq12 = false;  // the IRQ1 and IRQ12 output levels
    bool operator==(const State&) const = default;
  };
  const State& state() const { return s_; }
  void restore(const State& s) { s_ = s; }

  std::uint8_t command_byte() const { return s_.ram[0]; }
  std::uint8_t output_port() const { return s_.output_port; }
  bool irq1() const { return s_.irq1; }
  bool irq12() const { return s_.irq12; }

 private:
  // One port of the chip as a bus device: forwards with the chip's offset.
  class Window : public IoDevice {
   public:
    Window(I8042& chip, std::uint16_t offset) : chip_(chip), offset_(offset) {}
    std::uint32_t io_read(Cycles now, std::uint16_t, unsigned size) override {
      return chip_.io_read(now, offset_, size);
    }
    void io_write(Cycles now, std::uint16_t, unsigned size, std::uint32_t value) override {
      chip_.io_write(now, offset_, size, value);
    }
    const char* name() const override { return "i8042"; }

   private:
    I8042& chip_;
    std::uint16_t offset_;
  };

  std::uint8_t status() const;
  void command(std::uint8_t cmd);
  void data(std::uint8_t v);
  void queue(std::uint8_t value, bool aux = false, bool timeout = false);
  void write_output_port(std::uint8_t v);
  void update_irqs();

  std::function<void()> on_reset_;
  std::function<void(bool)> irq1_, irq12_;
  State s_;
  Window data_window_{*this, kData}, command_window_{*this, kStatusCommand};
};

}  // namespace fs
