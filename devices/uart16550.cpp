#include "devices/uart16550.hpp"

namespace fs {

std::uint32_t Uart16550::io_read(Cycles, std::uint16_t offset, unsigned) {
  const bool dlab = s_.lcr & kLcrDlab;
  switch (offset) {
    case 0:
      return dlab ? (s_.divisor & 0xFF) : 0;  // DLL / RBR (nothing received)
    case 1:
      return dlab ? (s_.divisor >> 8) : s_.ier;
    case 2:
      return 0x01 | ((s_.fcr & 1) ? 0xC0 : 0);  // IIR: no interrupt pending, FIFO bits
    case 3:
      return s_.lcr;
    case 4:
      return s_.mcr;
    case 5:
      return kLsrThre | kLsrTemt;
    case 6:
      return 0xB0;  // MSR: DCD, DSR, CTS asserted
    case 7:
      return s_.scr;
  }
  return 0xFF;
}

void Uart16550::io_write(Cycles, std::uint16_t offset, unsigned, std::uint32_t value) {
  const std::uint8_t v = static_cast<std::uint8_t>(value);
  const bool dlab = s_.lcr & kLcrDlab;
  switch (offset) {
    case 0:
      if (dlab)
        s_.divisor = static_cast<std::uint16_t>((s_.divisor & 0xFF00) | v);
      else
        tx_(v);
      break;
    case 1:
      if (dlab)
        s_.divisor = static_cast<std::uint16_t>((s_.divisor & 0x00FF) | (v << 8));
      else
        s_.ier = v & 0x0F;
      break;
    case 2:
      s_.fcr = v;
      break;
    case 3:
      s_.lcr = v;
      break;
    case 4:
      s_.mcr = v & 0x1F;
      break;
    case 7:
      s_.scr = v;
      break;
    default:
      break;  // LSR/MSR are read-only
  }
}

}  // namespace fs
