// Intel 8259A programmable interrupt controller; the PC's master (0x20) and slave (0xA0) pair.
//
// Open questions and the answers chosen (Intel 8259A datasheet):
// 1. Only edge-triggered, 8086-mode operation is modelled (ICW1 LTIM or ICW4 without uPM throw
//    Unimplemented); fully nested priority (IRQ0 highest), no rotation, no special mask mode.
// 2. An IRR bit stays set until INTA even if the line drops; at INTA with no request left the chip
//    answers with IRQ7's vector (spurious) and sets no ISR bit.
// 3. Rotate commands in OCW2 are taken as their EOI part (rotation not modelled).
// 4. Poll mode (OCW3 P) is not modelled.
#pragma once

#include <cstdint>
#include <functional>

#include "devices/io_device.hpp"

namespace fs {

class Pic8259 : public IoDevice {
 public:
  explicit Pic8259(bool is_master) : master_(is_master) {}
  void set_irq(unsigned line, bool level);
  bool int_output() const { return highest_request() >= 0; }
  // INTA: the vector of the highest request, IRR -> ISR (unless AEOI). Spurious: IRQ7's vector.
  std::uint8_t acknowledge();
  int highest_request() const;  // line number or -1
  // Called whenever int_output() may have changed (the cascade uses it).
  std::function<void(bool)> on_int_change;

  std::uint32_t io_read(Cycles now, std::uint16_t offset, unsigned size) override;
  void io_write(Cycles now, std::uint16_t offset, unsigned size, std::uint32_t value) override;
  const char* name() const override { return master_ ? "pic8259-master" : "pic8259-slave"; }

  struct State {
    std::uint8_t irr = 0, isr = 0, imr = 0xFF;  // request, in-service, mask
    std::uint8_t lines = 0;                     // current input levels (edge detection)
    std::uint8_t vector_base = 0;               // ICW2 & 0xF8
    std::uint8_t icw3 = 0;
    bool aeoi = false;
    bool read_isr = false;  // OCW3 RIS
    int init_step = 0;      // 0 = operational; 2..4 = expecting ICW2..ICW4
    bool need_icw3 = false, need_icw4 = false;
  };
  const State& state() const { return s_; }

 private:
  void changed();
  bool master_;
  State s_;
};

class PicPair {
 public:
  PicPair();
  PicPair(const PicPair&) = delete;
  PicPair& operator=(const PicPair&) = delete;
  Pic8259 master{true}, slave{false};
  void set_irq(unsigned irq, bool level);  // 0..15; 8..15 through the slave on master IRQ2
  bool interrupt_pending() const { return master.int_output(); }
  std::uint8_t acknowledge();
};

}  // namespace fs
