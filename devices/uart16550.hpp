// NS16550A UART at 0x3F8 (COM1), 8 registers. Source: National Semiconductor NS16550A datasheet,
// "Register Summary" (Table II), "Line Status Register", "Modem Control Register", "FIFO Control".
//
// Open questions and the answers chosen:
// 1. Interrupts: none are raised; there is no INTR pin. IER is stored and read back, IIR always
//    reads "no interrupt pending" (bit 0 set) plus the FIFO-enabled bits 7-6. Guests poll LSR or
//    just write.
// 2. Timing: a byte written to THR (DLAB = 0) is handed to `transmit` at once; LSR always reports
//    THRE | TEMT. Baud rate and line format (divisor, LCR) are stored, never used.
// 3. Receive: nothing arrives from outside; RBR reads 0 and LSR.DR stays 0 - except in loopback
//    (MCR bit 4), where THR bytes go to the receiver instead of `transmit` (16 deep with the FIFO
//    enabled, else 1; an overrun sets LSR.OE and, in FIFO mode, drops the new byte).
// 4. Modem inputs: outside loopback DCD, DSR and CTS are asserted, RI not (MSR = 0xB0, QEMU's
//    choice: a terminal is attached). In loopback they follow OUT2, DTR, RTS and OUT1 (the test
//    Linux's 8250 autoconfig runs); the delta bits 3-0 are kept and cleared by reading MSR.
// 5. Reset values are the datasheet's (LCR = MCR = IER = 0); the divisor latch, which the datasheet
//    leaves undefined, starts at 0 as in QEMU.
// 6. An access wider than a byte uses the low byte; reads return the byte.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "devices/io_device.hpp"

namespace fs {

class Uart16550 : public IoDevice {
 public:
  // Register offsets (DLAB = LCR bit 7 selects DLL/DLM at 0 and 1).
  static constexpr std::uint16_t kRbrThr = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5,
                                 kMsr = 6, kScr = 7;
  static constexpr std::uint8_t kLsrDr = 0x01, kLsrOe = 0x02, kLsrThre = 0x20, kLsrTemt = 0x40;
  static constexpr std::uint8_t kLcrDlab = 0x80;
  static constexpr std::uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08,
                                kMcrLoop = 0x10;
  static constexpr std::uint8_t kMsrDcts = 0x01, kMsrDdsr = 0x02, kMsrTeri = 0x04, kMsrDdcd = 0x08,
                                kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;
  static constexpr std::uint8_t kFcrEnable = 0x01, kFcrClearRx = 0x02, kFcrClearTx = 0x04;
  static constexpr std::uint8_t kIirNoInterrupt = 0x01, kIirFifosEnabled = 0xC0;

  struct State {
    std::uint8_t ier = 0;        // interrupt enable, bits 3-0 (stored only)
    std::uint8_t lcr = 0;        // line control; bit 7 = DLAB
    std::uint8_t mcr = 0;        // modem control, bits 4-0
    std::uint8_t scr = 0;        // scratch
    std::uint8_t fcr = 0;        // FIFO control as kept: enable (0), DMA mode (3), trigger (7-6)
    std::uint16_t divisor = 0;   // DLM:DLL
    std::uint8_t lsr_oe = 0;     // LSR.OE, sticky until LSR is read
    std::uint8_t msr_delta = 0;  // MSR bits 3-0, cleared by reading MSR
    std::array<std::uint8_t, 16> rx{};  // receive FIFO (loopback only), rx_head is the oldest
    std::uint8_t rx_head = 0, rx_count = 0;
  };

  explicit Uart16550(std::function<void(std::uint8_t)> transmit) : tx_(std::move(transmit)) {}
  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override;
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override;
  const char* name() const override { return "uart16550"; }

  const State& state() const { return s_; }

 private:
  std::uint8_t modem_lines() const;  // MSR bits 7-4
  void receive(std::uint8_t byte);
  std::function<void(std::uint8_t)> tx_;
  State s_;
};

}  // namespace fs
