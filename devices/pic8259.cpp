#include "devices/pic8259.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace fs {

// ---- one chip
// -------------------------------------------------------------------------------------------

void Pic8259::changed() {
  if (on_int_change) on_int_change(int_output());
}

bool Pic8259::slave_on(unsigned line) const {
  return master_ && !s_.single && ((s_.icw3 >> line) & 1);
}

int Pic8259::resolve() const {
  const std::uint8_t pending = s_.irr & ~s_.imr;
  if (!pending) return -1;
  for (int k = 0; k < 8; ++k) {  // from the highest priority level down
    const int line = (s_.lowest_priority + 1 + k) & 7;
    const std::uint8_t bit = static_cast<std::uint8_t>(1u << line);
    if (s_.isr & bit) {
      if (s_.special_mask) continue;  // special mask mode: in service blocks nothing
      // Fully nested: nothing at or below a level in service. SFNM lets a slave's higher request
      // through its cascade line.
      if (s_.sfnm && (pending & bit) && slave_on(line)) return line;
      return -1;
    }
    if (pending & bit) return line;
  }
  return -1;
}

int Pic8259::highest_in_service() const {
  for (int k = 0; k < 8; ++k) {
    const int line = (s_.lowest_priority + 1 + k) & 7;
    if (s_.isr & (1u << line)) return line;
  }
  return -1;
}

void Pic8259::set_irq(unsigned line, bool level) {
  if (line > 7) throw std::invalid_argument(fmt::format("pic8259: IR line {} out of range", line));
  const std::uint8_t bit = static_cast<std::uint8_t>(1u << line);
  if (bool(s_.ir_level & bit) == level) return;
  if (level) {
    s_.ir_level |= bit;
    s_.irr |= bit;  // the rising edge requests
  } else {
    s_.ir_level &= ~bit;
    s_.irr &= ~bit;  // the request must stay high until INTA (open question 2)
  }
  changed();
}

int Pic8259::inta() {
  const int line = resolve();
  if (line < 0) return -1;
  const std::uint8_t bit = static_cast<std::uint8_t>(1u << line);
  s_.irr &= ~bit;
  if (!s_.aeoi)
    s_.isr |= bit;
  else if (s_.rotate_on_aeoi)
    s_.lowest_priority = static_cast<std::uint8_t>(line);
  changed();
  return line;
}

std::uint8_t Pic8259::acknowledge() {
  const int line = inta();
  return static_cast<std::uint8_t>(s_.vector_base + (line < 0 ? 7 : line));
}

std::uint32_t Pic8259::io_read(Cycles, std::uint16_t offset, unsigned) {
  if (s_.poll) {  // the poll word; the read is the INTA
    s_.poll = false;
    const int line = inta();
    return line < 0 ? 0u : (0x80u | static_cast<unsigned>(line));
  }
  if (offset & 1) return s_.imr;
  return s_.read_isr ? s_.isr : s_.irr;
}

void Pic8259::io_write(Cycles, std::uint16_t offset, unsigned, std::uint32_t value) {
  const std::uint8_t v = static_cast<std::uint8_t>(value);
  if (offset & 1)
    write_data(v);
  else
    write_command(v);
}

void Pic8259::write_command(std::uint8_t v) {
  if (v & kIcw1) {
    if (v & kIcw1Ltim)
      throw Unimplemented(
          fmt::format("pic8259: level-triggered mode (ICW1 LTIM) is not modelled ({:#04x})", v));
    if (!(v & kIcw1Ic4))
      throw Unimplemented(
          fmt::format("pic8259: ICW1 without ICW4 (8080/8085 mode) is not modelled ({:#04x})", v));
    const std::uint8_t levels = s_.ir_level;  // the edge sense is reset; the pins stay
    s_ = State{};
    s_.ir_level = levels;
    s_.imr = 0;
    s_.single = v & kIcw1Sngl;
    s_.need_icw4 = true;
    s_.expect = 2;
    changed();
    return;
  }
  if (v & kOcw3) {
    if (v & kOcw3Esmm) s_.special_mask = v & kOcw3Smm;
    if (v & kOcw3P) s_.poll = true;
    if (v & kOcw3Rr) s_.read_isr = v & kOcw3Ris;
    changed();
    return;
  }
  // OCW2.
  const std::uint8_t level = v & 7;
  switch (v >> 5) {
    case kOcw2NonSpecificEoi:
    case kOcw2RotateNonSpecificEoi: {
      const int line = highest_in_service();
      if (line >= 0) {
        s_.isr &= ~(1u << line);
        if ((v >> 5) == kOcw2RotateNonSpecificEoi)
          s_.lowest_priority = static_cast<std::uint8_t>(line);
      }
      break;
    }
    case kOcw2SpecificEoi:
      s_.isr &= ~(1u << level);
      break;
    case kOcw2RotateSpecificEoi:
      s_.isr &= ~(1u << level);
      s_.lowest_priority = level;
      break;
    case kOcw2SetPriority:
      s_.lowest_priority = level;
      break;
    case kOcw2RotateAeoiSet:
      s_.rotate_on_aeoi = true;
      break;
    case kOcw2RotateAeoiClear:
      s_.rotate_on_aeoi = false;
      break;
    default:  // kOcw2Nop
      break;
  }
  changed();
}

void Pic8259::write_data(std::uint8_t v) {
  switch (s_.expect) {
    case 2:  // ICW2: in 8086 mode T7-T3 are the vector base, the level fills bits 2-0
      s_.vector_base = v & 0xF8;
      s_.expect = s_.single ? 4 : 3;
      return;
    case 3:  // ICW3
      s_.icw3 = v;
      s_.expect = 4;
      return;
    case 4:  // ICW4
      if (!(v & kIcw4Upm))
        throw Unimplemented(
            fmt::format("pic8259: ICW4 without 8086 mode (uPM = 0) is not modelled ({:#04x})", v));
      s_.icw4 = v;
      s_.aeoi = v & kIcw4Aeoi;
      s_.sfnm = v & kIcw4Sfnm;
      s_.expect = 0;
      changed();
      return;
    default:  // OCW1
      s_.imr = v;
      changed();
      return;
  }
}

// ---- the pair
// -------------------------------------------------------------------------------------------

PicPair::PicPair() {
  slave.on_int_change = [this](bool level) { master.set_irq(2, level); };
}

void PicPair::set_irq(unsigned irq, bool level) {
  if (irq < 8)
    master.set_irq(irq, level);
  else if (irq < 16)
    slave.set_irq(irq - 8, level);
  else
    throw std::invalid_argument(fmt::format("pic8259: IRQ {} out of range", irq));
}

std::uint8_t PicPair::acknowledge() {
  const int m = master.inta();
  if (m < 0) return static_cast<std::uint8_t>(master.vector_base() + 7);  // spurious IRQ7
  if (!master.slave_on(static_cast<unsigned>(m)))
    return static_cast<std::uint8_t>(master.vector_base() + m);
  // The master put the line on CAS2-0; the slave with that ID answers.
  const unsigned id = slave.state().icw3 & 7;
  if (m != 2 || id != 2) {
    warn_("no slave answers",
          fmt::format("no slave answers the cascade on IR{} (slave ID {})", m, id));
    return 0xFF;
  }
  const std::uint8_t vector = slave.acknowledge();  // spurious: IRQ15, master IR2 stays in service
  // The slave's INT drops during its INTA and rises again if it still has a request: a new edge
  // on the master's IR2 (Bochs does the same).
  master.set_irq(2, false);
  master.set_irq(2, slave.int_output());
  return vector;
}

}  // namespace fs
