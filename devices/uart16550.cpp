#include "devices/uart16550.hpp"

#include <algorithm>

namespace fs {

std::uint8_t Uart16550::modem_lines() const {
  if (!(s_.mcr & kMcrLoop)) return (s_.carrier ? kMsrDcd : 0) | kMsrDsr | kMsrCts;
  // Loopback: "the four modem control inputs are internally connected to the four modem control
  // outputs" - CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2.
  std::uint8_t m = 0;
  if (s_.mcr & kMcrRts) m |= kMsrCts;
  if (s_.mcr & kMcrDtr) m |= kMsrDsr;
  if (s_.mcr & kMcrOut1) m |= kMsrRi;
  if (s_.mcr & kMcrOut2) m |= kMsrDcd;
  return m;
}

void Uart16550::receive(std::uint8_t byte) {
  const unsigned depth = rx_depth();
  if (s_.rx_count >= depth) {
    s_.lsr_oe = kLsrOe;
    if (depth == 16) return;  // FIFO mode: the FIFO is kept, the new character is lost
    s_.rx_count = 0;          // character mode: the new character overwrites RBR
  }
  s_.rx[(s_.rx_head + s_.rx_count) % 16] = byte;
  ++s_.rx_count;
}

void Uart16550::set_input(std::vector<std::uint8_t> bytes) {
  input_ = std::move(bytes);
  s_.input_pos = 0;
  s_.carrier = true;
  start_sender(s_.now);
}

Cycles Uart16550::char_cycles() const {
  // In half bits, for 1.5 stop bits: start, data, parity, then 1, 1.5 (5 data bits) or 2 stops.
  const unsigned data = 5 + (s_.lcr & 3);
  const unsigned parity = (s_.lcr & kLcrPen) ? 1 : 0;
  const unsigned stop_halves = !(s_.lcr & kLcrStb) ? 2 : data == 5 ? 3 : 4;
  const unsigned halves = 2 * (1 + data + parity) + stop_halves;
  const std::uint64_t divisor = s_.divisor ? s_.divisor : 65536;
  // 16 crystal clocks per bit, 8 per half bit; cycles rounded up, so never early.
  const unsigned __int128 clocks = static_cast<unsigned __int128>(halves) * 8 * divisor;
  return static_cast<Cycles>((clocks * cpu_hz_ + kUartClockHz - 1) / kUartClockHz);
}

unsigned Uart16550::trigger_level() const {
  if (!(s_.fcr & kFcrEnable)) return 1;
  static constexpr unsigned kLevels[4] = {1, 4, 8, 14};
  return kLevels[s_.fcr >> 6];
}

std::uint8_t Uart16550::pending_iir() const {
  // Datasheet "Interrupt Identification Register": line status first, then received data (or
  // its FIFO timeout), THRE, modem status (open question 1).
  if ((s_.ier & kIerElsi) && s_.lsr_oe) return kIirLineStatus;
  if (s_.ier & kIerErbfi) {
    if (s_.rx_count >= trigger_level()) return kIirRxData;
    if ((s_.fcr & kFcrEnable) && s_.rx_count > 0 && s_.now >= s_.timeout_at) return kIirTimeout;
  }
  if ((s_.ier & kIerEtbei) && s_.thre_pending) return kIirThre;
  if ((s_.ier & kIerEdssi) && s_.msr_delta) return kIirModemStatus;
  return kIirNoInterrupt;
}

void Uart16550::update_irq() {
  // OUT2 enables the PC's buffer between INTR and IRQ4; loopback forces the OUT2 pin inactive.
  const bool level =
      pending_iir() != kIirNoInterrupt && (s_.mcr & kMcrOut2) && !(s_.mcr & kMcrLoop);
  if (level == s_.irq) return;
  s_.irq = level;
  if (irq_handler_) irq_handler_(level);
}

void Uart16550::rx_activity(Cycles at) {
  s_.timeout_at = (s_.fcr & kFcrEnable) ? at + 4 * char_cycles() : kNever;
}

void Uart16550::start_sender(Cycles at) {
  // Hardware flow control (open question 3): RTS up, not in loopback, room in the receiver.
  if (s_.rx_landing != kNever || s_.input_pos >= input_.size()) return;
  if (!(s_.mcr & kMcrRts) || (s_.mcr & kMcrLoop) || s_.rx_count >= rx_depth()) return;
  s_.rx_landing = at + char_cycles();
  ++s_.input_pos;
}

Cycles Uart16550::next_event() const {
  Cycles n = s_.rx_landing;
  if ((s_.ier & kIerErbfi) && (s_.fcr & kFcrEnable) && s_.rx_count > 0 &&
      s_.rx_count < trigger_level() && s_.timeout_at > s_.now)
    n = std::min(n, s_.timeout_at);
  return n;
}

void Uart16550::run_until(Cycles now) {
  while (s_.rx_landing <= now) {
    const Cycles t = s_.rx_landing;
    s_.now = std::max(s_.now, t);
    s_.rx_landing = kNever;
    receive(input_[s_.input_pos - 1]);
    rx_activity(t);
    update_irq();
    start_sender(t);
  }
  s_.now = std::max(s_.now, now);
  update_irq();
}

std::uint32_t Uart16550::io_read(Cycles now, std::uint16_t offset, unsigned) {
  run_until(now);
  const std::uint8_t v = read_register(offset);
  start_sender(s_.now);  // a read of RBR may have made room
  update_irq();
  return v;
}

std::uint8_t Uart16550::read_register(std::uint16_t offset) {
  const bool dlab = s_.lcr & kLcrDlab;
  switch (offset) {
    case kRbrThr: {
      if (dlab) return s_.divisor & 0xFF;
      if (s_.rx_count == 0) return 0;  // nothing received
      const std::uint8_t b = s_.rx[s_.rx_head];
      s_.rx_head = (s_.rx_head + 1) % 16;
      --s_.rx_count;
      rx_activity(s_.now);
      return b;
    }
    case kIer:
      return dlab ? (s_.divisor >> 8) : s_.ier;
    case kIirFcr: {
      const std::uint8_t iir = pending_iir();
      if (iir == kIirThre) s_.thre_pending = false;  // reading IIR acknowledges THRE only
      return iir | ((s_.fcr & kFcrEnable) ? kIirFifosEnabled : 0);
    }
    case kLcr:
      return s_.lcr;
    case kMcr:
      return s_.mcr;
    case kLsr: {
      const std::uint8_t lsr = kLsrThre | kLsrTemt | s_.lsr_oe | (s_.rx_count ? kLsrDr : 0);
      s_.lsr_oe = 0;
      return lsr;
    }
    case kMsr: {
      const std::uint8_t msr = modem_lines() | s_.msr_delta;
      s_.msr_delta = 0;
      return msr;
    }
    case kScr:
      return s_.scr;
  }
  return 0xFF;
}

void Uart16550::io_write(Cycles now, std::uint16_t offset, unsigned, std::uint32_t value) {
  run_until(now);
  write_register(offset, static_cast<std::uint8_t>(value));
  start_sender(s_.now);  // RTS raised, loopback left, or the FIFO cleared or enabled
  update_irq();
}

void Uart16550::transmit(std::uint8_t v) {
  // A byte the far end has already received (sent before a restore() took the UART back) is not
  // sent again: the line cannot take it back, and the replay sends the same byte.
  const bool fresh = s_.tx_count == tx_sent_;
  ++s_.tx_count;
  if (!fresh) return;
  tx_sent_ = s_.tx_count;
  tx_(v);
}

void Uart16550::restore(const State& s) {
  s_ = s;
}

void Uart16550::write_register(std::uint16_t offset, std::uint8_t v) {
  const bool dlab = s_.lcr & kLcrDlab;
  switch (offset) {
    case kRbrThr:
      if (dlab) {
        s_.divisor = static_cast<std::uint16_t>((s_.divisor & 0xFF00) | v);
        break;
      }
      // Writing THR clears THRE: INTR drops unless another interrupt is pending (an edge a PC's
      // edge-triggered PIC needs to see the next THRE). The byte leaves at once (open question
      // 2), so THR is empty, and THRE armed, again on the same cycle (io_write raises INTR).
      s_.thre_pending = false;
      update_irq();
      if (s_.mcr & kMcrLoop)
        receive(v);  // loopback: the transmitter output is looped to the receiver, not sent
      else
        transmit(v);
      s_.thre_pending = true;
      break;
    case kIer:
      if (dlab)
        s_.divisor = static_cast<std::uint16_t>((s_.divisor & 0x00FF) | (v << 8));
      else {
        if ((v & kIerEtbei) && !(s_.ier & kIerEtbei)) s_.thre_pending = true;  // THR is empty
        s_.ier = v & 0x0F;
      }
      break;
    case kIirFcr:
      // Enabling or disabling the FIFOs clears them; bits 1 and 2 clear them and self-clear.
      if (((v ^ s_.fcr) & kFcrEnable) || (v & kFcrClearRx)) {
        s_.rx_count = s_.rx_head = 0;
        s_.timeout_at = kNever;
      }
      s_.fcr = v & 0xC9;
      break;
    case kLcr:
      s_.lcr = v;
      break;
    case kMcr: {
      const std::uint8_t before = modem_lines();
      s_.mcr = v & 0x1F;
      const std::uint8_t after = modem_lines(), diff = before ^ after;
      if (diff & kMsrCts) s_.msr_delta |= kMsrDcts;
      if (diff & kMsrDsr) s_.msr_delta |= kMsrDdsr;
      if ((before & kMsrRi) && !(after & kMsrRi)) s_.msr_delta |= kMsrTeri;  // trailing edge
      if (diff & kMsrDcd) s_.msr_delta |= kMsrDdcd;
      break;
    }
    case kScr:
      s_.scr = v;
      break;
    default:
      break;  // LSR (factory test) and MSR writes are ignored
  }
}

}  // namespace fs
