#include "devices/pic8259.hpp"

#include <stdexcept>

namespace fs {

namespace {
constexpr std::uint8_t kIcw1 = 0x10, kIcw1Ic4 = 0x01, kIcw1Single = 0x02, kIcw1Ltim = 0x08;
constexpr std::uint8_t kIcw4Upm = 0x01, kIcw4Aeoi = 0x02;
constexpr std::uint8_t kOcw3 = 0x08, kOcw3Rr = 0x02, kOcw3Ris = 0x01, kOcw3Poll = 0x04;
}  // namespace

int Pic8259::highest_request() const {
  const std::uint8_t pending = s_.irr & ~s_.imr;
  for (int i = 0; i < 8; ++i) {
    if (s_.isr & (1u << i)) return -1;  // fully nested: nothing at or below an in-service level
    if (pending & (1u << i)) return i;
  }
  return -1;
}

void Pic8259::changed() {
  if (on_int_change) on_int_change(int_output());
}

void Pic8259::set_irq(unsigned line, bool level) {
  const std::uint8_t bit = static_cast<std::uint8_t>(1u << line);
  const bool was = s_.lines & bit;
  if (level)
    s_.lines |= bit;
  else
    s_.lines &= ~bit;
  if (level && !was) {  // edge-triggered: a rising edge requests
    s_.irr |= bit;
    changed();
  }
}

std::uint8_t Pic8259::acknowledge() {
  const int i = highest_request();
  if (i < 0) return static_cast<std::uint8_t>(s_.vector_base + 7);  // spurious
  s_.irr &= ~(1u << i);
  if (!s_.aeoi) s_.isr |= (1u << i);
  changed();
  return static_cast<std::uint8_t>(s_.vector_base + i);
}

std::uint32_t Pic8259::io_read(Cycles, std::uint16_t offset, unsigned) {
  if (offset == 1) return s_.imr;
  return s_.read_isr ? s_.isr : s_.irr;
}

void Pic8259::io_write(Cycles, std::uint16_t offset, unsigned, std::uint32_t value) {
  const std::uint8_t v = static_cast<std::uint8_t>(value);
  if (offset == 0) {
    if (v & kIcw1) {
      if (v & kIcw1Ltim) throw std::runtime_error("pic8259: level-triggered mode is not modelled");
      // ICW1 clears the mask and the in-service state and restarts initialization (datasheet).
      s_.imr = 0;
      s_.isr = 0;
      s_.irr = 0;
      s_.read_isr = false;
      s_.aeoi = false;
      s_.need_icw3 = !(v & kIcw1Single);
      s_.need_icw4 = v & kIcw1Ic4;
      if (!s_.need_icw4)
        throw std::runtime_error("pic8259: ICW1 without ICW4 (8080 mode) is not modelled");
      s_.init_step = 2;
      changed();
    } else if (v & kOcw3) {
      if (v & kOcw3Poll) throw std::runtime_error("pic8259: poll mode is not modelled");
      if (v & kOcw3Rr) s_.read_isr = v & kOcw3Ris;
    } else {
      // OCW2: bits 7-5 = R SL EOI.
      const unsigned cmd = v >> 5;
      if (cmd == 1 || cmd == 5) {  // non-specific EOI (and rotate on it): the highest ISR bit
        for (int i = 0; i < 8; ++i) {
          if (s_.isr & (1u << i)) {
            s_.isr &= ~(1u << i);
            break;
          }
        }
      } else if (cmd == 3 || cmd == 7) {  // specific EOI
        s_.isr &= ~(1u << (v & 7));
      }
      changed();
    }
    return;
  }
  switch (s_.init_step) {
    case 2:
      s_.vector_base = v & 0xF8;
      s_.init_step = s_.need_icw3 ? 3 : (s_.need_icw4 ? 4 : 0);
      return;
    case 3:
      s_.icw3 = v;
      s_.init_step = s_.need_icw4 ? 4 : 0;
      return;
    case 4:
      if (!(v & kIcw4Upm))
        throw std::runtime_error("pic8259: ICW4 without 8086 mode is not modelled");
      s_.aeoi = v & kIcw4Aeoi;
      s_.init_step = 0;
      return;
    default:
      s_.imr = v;  // OCW1
      changed();
  }
}

PicPair::PicPair() {
  slave.on_int_change = [this](bool level) { master.set_irq(2, level); };
}

void PicPair::set_irq(unsigned irq, bool level) {
  if (irq < 8)
    master.set_irq(irq, level);
  else
    slave.set_irq(irq - 8, level);
}

std::uint8_t PicPair::acknowledge() {
  const int m = master.highest_request();
  if (m == 2) {
    master.acknowledge();  // the cascade line goes in service on the master
    return slave.acknowledge();
  }
  return master.acknowledge();
}

}  // namespace fs
