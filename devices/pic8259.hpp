// Intel 8259A programmable interrupt controller: one chip (offset 0 = command port 0x20/0xA0,
// offset 1 = data port 0x21/0xA1), and PicPair, the PC's master + slave on the master's IR2.
// Source: Intel 8259A datasheet (order no. 231468), "Initialization Command Words", "Operation
// Command Words", "Interrupt Sequence", "Edge and Level Triggered Modes", "Cascade Mode".
//
// Open questions and the answers chosen:
// 1. Modes: 8086 mode, edge-triggered only. ICW1 LTIM (level), ICW1 without IC4 (8080/85 mode) and
//    ICW4 without uPM throw std::runtime_error("pic8259: ..."). Buffered mode (ICW4 BUF, M/S) only
//    changes the SP/EN pin: stored, no effect.
// 2. Edge-triggered requests: a low->high edge sets IRR; the datasheet says the IR input "must
//    remain high until after the falling edge of the first INTA", so a line dropping before INTA
//    clears its IRR bit (Bochs does the same; QEMU keeps the bit). INTA then finds nothing: the
//    default IR7 vector, no ISR bit set (the spurious interrupt).
// 3. ICW1 clears IMR, ISR and IRR, resets priority (IR7 lowest), special mask, AEOI rotation and
//    the read register (IRR). Input levels are kept: the edge sense is reset, so a line held high
//    must drop and rise again to request.
// 4. Priority (fully nested): a request is granted if unmasked and above every ISR bit. Special
//    fully nested mode (ICW4 SFNM, master) also grants a cascade line whose own level is in
//    service. Special mask mode (OCW3 ESMM/SMM): in-service levels block nothing and a level in
//    service is not granted again (the datasheet's "enables all other levels ... that are not
//    masked", as Bochs does it).
// 5. OCW2: non-specific EOI clears the highest-priority ISR bit; specific EOI, rotate on
//    (non-)specific EOI, set priority, rotate in AEOI mode set/clear: all modelled.
// 6. OCW3 poll: the next read of either port is the poll word (0x80 | level, or 0) and acts as an
//    INTA (IRR -> ISR) without a vector.
// 7. Cascade (PicPair): the master names the line in its first INTA; if its ICW3 marks IR2 as a
//    slave line the slave, when its ICW3 ID is 2, supplies the vector; a slave with nothing to give
//    answers with its IR7 vector (IRQ15) and the master's IR2 stays in service (the OS must EOI the
//    master). The slave's INT pin drives the master's IR2 line.
// 8. An access wider than a byte uses the low byte; reads return the byte.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/severity.hpp"
#include "devices/io_device.hpp"

namespace fs {

class Pic8259 : public IoDevice {
 public:
  // Command words (datasheet names; bit values as written to the ports).
  static constexpr std::uint8_t kIcw1 = 0x10, kIcw1Ic4 = 0x01, kIcw1Sngl = 0x02, kIcw1Adi = 0x04,
                                kIcw1Ltim = 0x08;
  static constexpr std::uint8_t kIcw4Upm = 0x01, kIcw4Aeoi = 0x02, kIcw4Ms = 0x04, kIcw4Buf = 0x08,
                                kIcw4Sfnm = 0x10;
  static constexpr std::uint8_t kOcw3 = 0x08, kOcw3Ris = 0x01, kOcw3Rr = 0x02, kOcw3P = 0x04,
                                kOcw3Smm = 0x20, kOcw3Esmm = 0x40;
  // OCW2 R/SL/EOI (bits 7-5).
  static constexpr std::uint8_t kOcw2RotateAeoiClear = 0, kOcw2NonSpecificEoi = 1, kOcw2Nop = 2,
                                kOcw2SpecificEoi = 3, kOcw2RotateAeoiSet = 4,
                                kOcw2RotateNonSpecificEoi = 5, kOcw2SetPriority = 6,
                                kOcw2RotateSpecificEoi = 7;

  struct State {
    // Pins.
    std::uint8_t ir_level = 0;  // IR0-IR7 input levels (edge detection)
    // Registers.
    std::uint8_t irr = 0;     // interrupt request register
    std::uint8_t isr = 0;     // in-service register
    std::uint8_t imr = 0xFF;  // interrupt mask register (OCW1); all masked until programmed
    // Initialization (ICW1-ICW4).
    int expect = 0;                // 0 = operational, 2/3/4 = the next data-port write is ICWn
    bool single = false;           // ICW1 SNGL: no cascade, no ICW3
    bool need_icw4 = false;        // ICW1 IC4
    std::uint8_t vector_base = 0;  // ICW2 T7-T3
    std::uint8_t icw3 = 0;         // master: a bit per IR line with a slave; slave: its ID (2-0)
    bool aeoi = false;             // ICW4 AEOI
    bool sfnm = false;             // ICW4 SFNM
    std::uint8_t icw4 = 0;         // the whole ICW4 as written (BUF, M/S kept, unused)
    // Operation.
    std::uint8_t lowest_priority = 7;  // rotation: the level with the lowest priority
    bool rotate_on_aeoi = false;       // OCW2 rotate in AEOI mode
    bool special_mask = false;         // OCW3 SMM
    bool read_isr = false;             // OCW3 RIS: the command port reads ISR, else IRR
    bool poll = false;                 // OCW3 P: the next read is the poll word
  };

  explicit Pic8259(bool is_master) : master_(is_master) {}

  void set_irq(unsigned line, bool level);  // edge-triggered: a low->high edge sets IRR
  bool int_output() const { return resolve() >= 0; }
  // The level the priority resolver grants now, or -1.
  int resolve() const;
  // The INTA cycle on this chip alone: the granted level IRR -> ISR (unless AEOI). Returns the
  // level, or -1 (spurious: nothing granted, no ISR bit set).
  int inta();
  // INTA with this chip supplying the vector: vector_base + level, spurious: vector_base + 7.
  std::uint8_t acknowledge();
  // Master: ICW3 says a slave sits on `line` (and the chip is not in single mode).
  bool slave_on(unsigned line) const;
  std::uint8_t vector_base() const { return s_.vector_base; }
  bool is_master() const { return master_; }
  // Called whenever int_output() may have changed (the cascade uses it).
  std::function<void(bool)> on_int_change;

  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override;
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override;
  const char* name() const override { return master_ ? "pic8259-master" : "pic8259-slave"; }

  const State& state() const { return s_; }
  // Takes the chip back to `s` (a machine snapshot, emu/snapshot.hpp). Calls no on_int_change: the
  // cascade's other chip is restored with it.
  void restore(const State& s) { s_ = s; }

 private:
  void changed();
  void write_command(std::uint8_t v);
  void write_data(std::uint8_t v);
  int highest_in_service() const;  // by current priority, or -1
  bool master_;
  State s_;
};

class PicPair {
 public:
  Pic8259 master{true}, slave{false};
  PicPair();  // wires the slave's INT to the master's IR2
  PicPair(const PicPair&) = delete;
  PicPair& operator=(const PicPair&) = delete;

  void set_irq(unsigned irq, bool level);  // 0..15; 8..15 through the slave
  bool interrupt_pending() const { return master.int_output(); }
  // The INTA cycle: returns the vector. Spurious: IRQ7's vector (master) or IRQ15's (slave, with
  // the master's IR2 left in service). A cascade to no answering slave reads the floating bus:
  // 0xFF.
  std::uint8_t acknowledge();
  const std::vector<std::string>& warnings() const { return warn_.printed(); }

 private:
  WarnOnce warn_{"pic8259"};
};

}  // namespace fs
