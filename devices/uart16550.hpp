// NS16550A UART at 0x3F8 (COM1), transmit side only.
//
// Open questions and the answers chosen (NS16550A datasheet, "Register summary"):
// 1. Interrupts: none are raised (IER is stored and read back). The guests poll LSR or just write.
// 2. Timing: a byte is "sent" the moment THR is written; LSR always reports THRE|TEMT (0x60).
// 3. Receive: nothing ever arrives; RBR reads 0, LSR.DR stays 0.
#pragma once

#include <functional>

#include "devices/io_device.hpp"

namespace fs {

class Uart16550 : public IoDevice {
 public:
  explicit Uart16550(std::function<void(std::uint8_t)> transmit) : tx_(std::move(transmit)) {}
  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override;
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override;
  const char* name() const override { return "uart16550"; }

  struct State {
    std::uint8_t ier = 0;        // interrupt enable (stored only)
    std::uint8_t lcr = 0x03;     // line control; bit 7 = DLAB
    std::uint8_t mcr = 0;        // modem control
    std::uint8_t scr = 0;        // scratch
    std::uint8_t fcr = 0;        // FIFO control (write-only; reflected in IIR bits 6-7)
    std::uint16_t divisor = 12;  // 9600 baud at 1.8432 MHz
  };
  const State& state() const { return s_; }

 private:
  static constexpr std::uint8_t kLsrThre = 0x20, kLsrTemt = 0x40, kLcrDlab = 0x80;
  std::function<void(std::uint8_t)> tx_;
  State s_;
};

}  // namespace fs
