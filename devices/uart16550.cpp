#include "devices/uart16550.hpp"

namespace fs {

std::uint8_t Uart16550::modem_lines() const {
  if (!(s_.mcr & kMcrLoop)) return kMsrDcd | kMsrDsr | kMsrCts;
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
  const unsigned depth = (s_.fcr & kFcrEnable) ? 16 : 1;
  if (s_.rx_count >= depth) {
    s_.lsr_oe = kLsrOe;
    if (depth == 16) return;  // FIFO mode: the FIFO is kept, the new character is lost
    s_.rx_count = 0;          // character mode: the new character overwrites RBR
  }
  s_.rx[(s_.rx_head + s_.rx_count) % 16] = byte;
  ++s_.rx_count;
}

std::uint32_t Uart16550::io_read(Cycles, std::uint16_t offset, unsigned) {
  const bool dlab = s_.lcr & kLcrDlab;
  switch (offset) {
    case kRbrThr: {
      if (dlab) return s_.divisor & 0xFF;
      if (s_.rx_count == 0) return 0;  // nothing received
      const std::uint8_t b = s_.rx[s_.rx_head];
      s_.rx_head = (s_.rx_head + 1) % 16;
      --s_.rx_count;
      return b;
    }
    case kIer:
      return dlab ? (s_.divisor >> 8) : s_.ier;
    case kIirFcr:
      return kIirNoInterrupt | ((s_.fcr & kFcrEnable) ? kIirFifosEnabled : 0);
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

void Uart16550::io_write(Cycles, std::uint16_t offset, unsigned, std::uint32_t value) {
  const std::uint8_t v = static_cast<std::uint8_t>(value);
  const bool dlab = s_.lcr & kLcrDlab;
  switch (offset) {
    case kRbrThr:
      if (dlab)
        s_.divisor = static_cast<std::uint16_t>((s_.divisor & 0xFF00) | v);
      else if (s_.mcr & kMcrLoop)
        receive(v);  // loopback: the transmitter output is looped to the receiver, not sent
      else
        tx_(v);
      break;
    case kIer:
      if (dlab)
        s_.divisor = static_cast<std::uint16_t>((s_.divisor & 0x00FF) | (v << 8));
      else
        s_.ier = v & 0x0F;
      break;
    case kIirFcr:
      // Enabling or disabling the FIFOs clears them; bits 1 and 2 clear them and self-clear.
      if (((v ^ s_.fcr) & kFcrEnable) || (v & kFcrClearRx)) s_.rx_count = s_.rx_head = 0;
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
