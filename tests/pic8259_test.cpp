// Mirrors devices/pic8259.cpp (Intel 8259A datasheet: ICW1-4, OCW1-3, fully nested, cascade).
#include "devices/pic8259.hpp"

#include <catch2/catch.hpp>

using namespace fs;

namespace {
// Linux's init_8259A: ICW1 0x11, ICW2 0x20/0x28, ICW3 4/2, ICW4 1; then masks.
void init_pc(PicPair& p, std::uint8_t master_mask = 0x00, std::uint8_t slave_mask = 0x00) {
  p.master.io_write(0, 0, 1, 0x11);
  p.master.io_write(0, 1, 1, 0x20);
  p.master.io_write(0, 1, 1, 0x04);
  p.master.io_write(0, 1, 1, 0x01);
  p.slave.io_write(0, 0, 1, 0x11);
  p.slave.io_write(0, 1, 1, 0x28);
  p.slave.io_write(0, 1, 1, 0x02);
  p.slave.io_write(0, 1, 1, 0x01);
  p.master.io_write(0, 1, 1, master_mask);
  p.slave.io_write(0, 1, 1, slave_mask);
}
void eoi(Pic8259& c) {
  c.io_write(0, 0, 1, 0x20);
}
}  // namespace

TEST_CASE("pic8259: IRQ0 after remap is vector 0x20 and stays in service until EOI", "[pic8259]") {
  PicPair p;
  init_pc(p);
  CHECK_FALSE(p.interrupt_pending());
  p.set_irq(0, true);
  REQUIRE(p.interrupt_pending());
  CHECK(p.acknowledge() == 0x20);
  CHECK(p.master.state().isr == 0x01);
  CHECK(p.master.state().irr == 0x00);
  p.master.io_write(0, 0, 1, 0x0B);  // OCW3: read ISR
  CHECK(p.master.io_read(0, 0, 1) == 0x01);
  eoi(p.master);
  CHECK(p.master.io_read(0, 0, 1) == 0x00);
}

TEST_CASE("pic8259: edge-triggered: a line held high requests once", "[pic8259]") {
  PicPair p;
  init_pc(p);
  p.set_irq(0, true);
  p.acknowledge();
  eoi(p.master);
  p.set_irq(0, true);  // still high: no new edge
  CHECK_FALSE(p.interrupt_pending());
  p.set_irq(0, false);
  p.set_irq(0, true);
  CHECK(p.interrupt_pending());
}

TEST_CASE("pic8259: a lower priority IRQ waits while a higher one is in service", "[pic8259]") {
  PicPair p;
  init_pc(p);
  p.set_irq(1, true);
  CHECK(p.acknowledge() == 0x21);
  p.set_irq(3, true);
  CHECK_FALSE(p.interrupt_pending());  // IRQ3 below in-service IRQ1
  p.set_irq(0, true);
  CHECK(p.interrupt_pending());  // IRQ0 above it nests
  CHECK(p.acknowledge() == 0x20);
  eoi(p.master);  // non-specific EOI clears the highest: IRQ0
  CHECK(p.master.state().isr == 0x02);
  CHECK_FALSE(p.interrupt_pending());
  eoi(p.master);
  CHECK(p.interrupt_pending());
  CHECK(p.acknowledge() == 0x23);
}

TEST_CASE("pic8259: masked IRQs are held in IRR", "[pic8259]") {
  PicPair p;
  init_pc(p, 0xFE);
  p.set_irq(4, true);
  CHECK_FALSE(p.interrupt_pending());
  CHECK(p.master.io_read(0, 0, 1) == 0x10);  // IRR (read IRR is the default)
  CHECK(p.master.io_read(0, 1, 1) == 0xFE);  // IMR
  p.master.io_write(0, 1, 1, 0xEE);
  CHECK(p.interrupt_pending());
  CHECK(p.acknowledge() == 0x24);
}

TEST_CASE("pic8259: specific EOI clears the named level", "[pic8259]") {
  PicPair p;
  init_pc(p);
  p.set_irq(5, true);
  p.acknowledge();
  p.master.io_write(0, 0, 1, 0x60 | 5);
  CHECK(p.master.state().isr == 0);
}

TEST_CASE("pic8259: IRQ 8-15 cascade through the slave on IRQ2", "[pic8259]") {
  PicPair p;
  init_pc(p);
  p.set_irq(12, true);
  REQUIRE(p.interrupt_pending());
  CHECK(p.acknowledge() == 0x2C);
  CHECK(p.slave.state().isr == 0x10);
  CHECK(p.master.state().isr == 0x04);
}

TEST_CASE("pic8259: INTA with no request left answers IRQ7 (spurious)", "[pic8259]") {
  PicPair p;
  init_pc(p);
  CHECK(p.acknowledge() == 0x27);
  CHECK(p.master.state().isr == 0);
}

TEST_CASE("pic8259: level-triggered mode is reported as not modelled", "[pic8259]") {
  Pic8259 c(true);
  CHECK_THROWS_WITH(c.io_write(0, 0, 1, 0x19), Catch::Contains("level-triggered"));
}
