// NS16550A UART at 0x3F8 (COM1), 8 registers. Source: National Semiconductor NS16550A datasheet,
// "Register Summary" (Table II), "Line Status Register", "Modem Control Register", "FIFO Control".
//
// Open questions and the answers chosen:
// 1. Interrupts, by the datasheet's priorities (IIR): receiver line status (0x06, on LSR.OE) >
//    received data available (0x04) = FIFO character timeout (0x0C) > transmitter holding
//    register empty (THRE, 0x02) > modem status (0x00, a delta bit in MSR). Each needs its IER
//    enable bit. The THRE interrupt is pending from the moment the THR empties (open question 2:
//    at once after a THR write) or IER.ETBEI goes 0 -> 1 while it is empty (which it always is),
//    until IIR is read reporting it or THR is written again. Re-writing IER with ETBEI already set
//    does not re-arm it (a rising edge only, as QEMU since 5.2; Linux's 8250 startup test enables
//    ETBEI, reads IIR, disables and re-enables it, and expects THRE both times, or it falls back
//    to polling the transmitter from a timer: UART_BUG_THRE). Modem status is pending while an
//    MSR delta bit is set (only loopback changes the lines) and clears when MSR is read. The
//    INTR pin is gated as on a PC: the IRQ line the handler sees is INTR and MCR.OUT2 (the
//    board's tri-state buffer on IRQ4), and low in loopback, where the datasheet forces the OUT2
//    pin inactive. The handler is called on edges only.
// 2. Transmit timing: a byte written to THR (DLAB = 0) is handed to `transmit` at once; LSR always
//    reports THRE | TEMT. So the THR is empty again the cycle it is written, and the THRE interrupt
//    re-arms on that cycle: deterministic, no event to schedule, and the same view a polling
//    driver gets from LSR. The cost: a guest cannot see a line rate on output (a 16-byte FIFO
//    load "drains" at once), which nothing in forkscope's guests or Linux's 8250 driver needs.
// 3. Receive: the input is a byte string given before the run (set_input); the device knows nothing
//    of where it came from. Its far end is a sender with hardware flow control: it starts a
//    character only while MCR.RTS is set, the UART is not in loopback (the datasheet disconnects
//    the serial input then) and the receiver has room (RBR empty, or fewer than 16 bytes in the
//    FIFO, counting none in flight); it starts the next one the moment the previous one has landed
//    or room appears. A character lands one character time after it started, never earlier. So
//    byte i arrives at a cycle that depends only on the input and the guest's programming, and an
//    input never overruns (a file feeding the line need not; a real terminal would). LSR.OE is set
//    only by loopback, where THR bytes go to the receiver (16 deep with the FIFO enabled, else 1;
//    an overrun drops the new byte in FIFO mode, replaces RBR otherwise).
// 4. Character time: (1 start + 5..8 data + parity + 1, 1.5 or 2 stop bits) * 16 * divisor clocks
//    of the 1.8432 MHz crystal (kUartClockHz), from LCR and the divisor latch when the character
//    starts (a change mid-character applies to the next one), converted to CPU cycles rounded up
//    with integer arithmetic. Divisor 0 counts as 65536 (the 16-bit baud counter reloads 0 and
//    wraps, as the 8254's counters do; QEMU instead keeps the previous speed).
// 5. FIFO mode: the receive data interrupt follows the FCR trigger level (1, 4, 8, 14 bytes). The
//    character timeout is pending when the FIFO holds fewer bytes than the trigger level, at least
//    one, and 4 character times (at the settings of the last arrival or RBR read) have passed since
//    the last arrival or RBR read; reading RBR clears it and restarts the time.
// 6. Modem inputs: outside loopback DSR and CTS are asserted, RI not; DCD (carrier) is asserted
//    only when an input is connected (set_input), so a guest can tell "no input at all" from "no
//    input yet", as a tty tells a hung-up line. In loopback the inputs follow OUT2, DTR, RTS and
//    OUT1 (the test Linux's 8250 autoconfig runs); the delta bits 3-0 are kept and cleared by
//    reading MSR.
// 7. Reset values are the datasheet's (LCR = MCR = IER = 0); the divisor latch, which the datasheet
//    leaves undefined, starts at 0 as in QEMU.
// 8. An access wider than a byte uses the low byte; reads return the byte.
// 9. Taken back to an earlier state (restore(), for reverse execution): the output already sent
//    stays sent, and the guest's replay of it is not sent twice (see restore()).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "devices/io_device.hpp"

namespace fs {

inline constexpr std::uint64_t kUartClockHz = 1843200;  // the PC's UART crystal

class Uart16550 : public IoDevice {
 public:
  // Register offsets (DLAB = LCR bit 7 selects DLL/DLM at 0 and 1).
  static constexpr std::uint16_t kRbrThr = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5,
                                 kMsr = 6, kScr = 7;
  static constexpr std::uint8_t kLsrDr = 0x01, kLsrOe = 0x02, kLsrThre = 0x20, kLsrTemt = 0x40;
  static constexpr std::uint8_t kLcrDlab = 0x80, kLcrStb = 0x04, kLcrPen = 0x08;
  static constexpr std::uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08,
                                kMcrLoop = 0x10;
  static constexpr std::uint8_t kMsrDcts = 0x01, kMsrDdsr = 0x02, kMsrTeri = 0x04, kMsrDdcd = 0x08,
                                kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;
  static constexpr std::uint8_t kFcrEnable = 0x01, kFcrClearRx = 0x02, kFcrClearTx = 0x04;
  static constexpr std::uint8_t kIerErbfi = 0x01, kIerEtbei = 0x02, kIerElsi = 0x04,
                                kIerEdssi = 0x08;
  // IIR bits 3-0: the pending interrupt of highest priority.
  static constexpr std::uint8_t kIirNoInterrupt = 0x01, kIirLineStatus = 0x06, kIirRxData = 0x04,
                                kIirTimeout = 0x0C, kIirThre = 0x02, kIirModemStatus = 0x00,
                                kIirFifosEnabled = 0xC0;

  struct State {
    std::uint8_t ier = 0;        // interrupt enable, bits 3-0 (ERBFI, ETBEI, ELSI, EDSSI)
    std::uint8_t lcr = 0;        // line control; bit 7 = DLAB
    std::uint8_t mcr = 0;        // modem control, bits 4-0
    std::uint8_t scr = 0;        // scratch
    std::uint8_t fcr = 0;        // FIFO control as kept: enable (0), DMA mode (3), trigger (7-6)
    std::uint16_t divisor = 0;   // DLM:DLL
    std::uint8_t lsr_oe = 0;     // LSR.OE, sticky until LSR is read
    std::uint8_t msr_delta = 0;  // MSR bits 3-0, cleared by reading MSR
    bool thre_pending = false;   // THRE interrupt armed (open question 1), shown if IER.ETBEI
    std::array<std::uint8_t, 16> rx{};  // receive FIFO (RBR when depth 1), rx_head is the oldest
    std::uint8_t rx_count = 0, rx_head = 0;
    // The far end (open question 3): the next input byte and the character on the wire.
    bool carrier = false;        // an input is connected (MSR.DCD outside loopback)
    std::size_t input_pos = 0;   // the next byte of the input to send
    Cycles rx_landing = kNever;  // the character on the wire lands then (kNever: none)
    Cycles timeout_at = kNever;  // FIFO character timeout due (open question 5)
    Cycles now = 0;              // the latest cycle the device has been brought to
    bool irq = false;            // the gated IRQ line as last reported
    std::uint64_t tx_count = 0;  // bytes the transmitter has sent (THR writes outside loopback)
  };

  explicit Uart16550(std::function<void(std::uint8_t)> transmit, std::uint64_t cpu_hz = 100'000'000)
      : tx_(std::move(transmit)), cpu_hz_(cpu_hz) {}
  // Connects the receiver's far end: `bytes` are sent, in order, from the first cycle the guest's
  // programming lets them (open question 3). Call before the run.
  void set_input(std::vector<std::uint8_t> bytes);
  // The IRQ line (INTR gated by OUT2), called on edges only.
  void set_irq_handler(std::function<void(bool level)> fn) { irq_handler_ = std::move(fn); }
  bool irq_line() const { return s_.irq; }
  // Bytes of the input not yet started on the wire.
  std::size_t input_remaining() const { return input_.size() - s_.input_pos; }
  // One character time in CPU cycles at the current LCR and divisor (open question 4).
  Cycles char_cycles() const;

  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override;
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override;
  Cycles next_event() const override;
  void run_until(Cycles now) override;
  const char* name() const override { return "uart16550"; }

  const State& state() const { return s_; }
  // Takes the UART back to `s` (a machine snapshot, emu/snapshot.hpp): registers, FIFO, the input
  // position and the transmit count. No IRQ edge is reported (the PIC's state comes back with it).
  // Output is not taken back: the bytes the far end already has (up to the highest transmit count
  // reached) are not sent again when the guest, replaying, transmits them again.
  void restore(const State& s);
  // Bytes handed to `transmit` so far: the highest transmit count reached.
  std::uint64_t bytes_sent() const { return tx_sent_; }

 private:
  void transmit(std::uint8_t v);
  std::uint8_t read_register(std::uint16_t offset);
  void write_register(std::uint16_t offset, std::uint8_t v);
  std::uint8_t modem_lines() const;  // MSR bits 7-4
  unsigned rx_depth() const { return (s_.fcr & kFcrEnable) ? 16 : 1; }
  unsigned trigger_level() const;
  std::uint8_t pending_iir() const;  // IIR bits 3-0
  void receive(std::uint8_t byte);   // into RBR/FIFO (overrun rules of open question 3)
  void rx_activity(Cycles at);       // an arrival or RBR read: restart the timeout
  void start_sender(Cycles at);      // the far end starts its next character if it may
  void update_irq();
  std::function<void(std::uint8_t)> tx_;
  std::uint64_t cpu_hz_;
  std::vector<std::uint8_t> input_;
  std::function<void(bool)> irq_handler_;
  State s_;
  std::uint64_t tx_sent_ = 0;  // bytes handed to tx_ (never goes back)
};

}  // namespace fs
