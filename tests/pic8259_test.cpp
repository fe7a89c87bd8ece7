// Mirrors devices/pic8259.cpp: Intel 8259A initialization, OCW1-3, priority, cascade, INTA and
// the spurious vectors.
#include "devices/pic8259.hpp"

#include <catch2/catch.hpp>

using namespace fs;

namespace {

// Linux's init_8259A: master vectors 0x20-0x27, slave 0x28-0x2F on master IR2, 8086 mode, normal
// EOI; then all lines unmasked.
void init_pair(PicPair& p, std::uint8_t master_base = 0x20, std::uint8_t slave_base = 0x28) {
  p.master.io_write(0, 0, 1, 0x11);  // ICW1: edge, cascade, ICW4 needed
  p.master.io_write(0, 1, 1, master_base);
  p.master.io_write(0, 1, 1, 0x04);  // ICW3: slave on IR2
  p.master.io_write(0, 1, 1, 0x01);  // ICW4: 8086
  p.slave.io_write(0, 0, 1, 0x11);
  p.slave.io_write(0, 1, 1, slave_base);
  p.slave.io_write(0, 1, 1, 0x02);  // ICW3: slave ID 2
  p.slave.io_write(0, 1, 1, 0x01);
  p.master.io_write(0, 1, 1, 0x00);  // OCW1: all unmasked
  p.slave.io_write(0, 1, 1, 0x00);
}

void eoi(Pic8259& pic) {
  pic.io_write(0, 0, 1, 0x20);
}
void specific_eoi(Pic8259& pic, unsigned line) {
  pic.io_write(0, 0, 1, 0x60 | line);
}
std::uint8_t read_irr(Pic8259& pic) {
  pic.io_write(0, 0, 1, 0x0A);  // OCW3: read IRR
  return static_cast<std::uint8_t>(pic.io_read(0, 0, 1));
}
std::uint8_t read_isr(Pic8259& pic) {
  pic.io_write(0, 0, 1, 0x0B);  // OCW3: read ISR
  return static_cast<std::uint8_t>(pic.io_read(0, 0, 1));
}

}  // namespace

TEST_CASE("pic8259: ICW1-ICW4 program vectors, cascade and an open mask", "[pic8259]") {
  PicPair p;
  CHECK(p.master.state().imr == 0xFF);  // nothing gets through before initialization
  p.set_irq(0, true);
  CHECK_FALSE(p.interrupt_pending());
  p.set_irq(0, false);
  p.master.io_write(0, 0, 1, 0x11);
  CHECK(p.master.state().expect == 2);
  CHECK(p.master.io_read(0, 1, 1) == 0x00);  // ICW1 clears IMR
  p.master.io_write(0, 1, 1, 0x20);
  p.master.io_write(0, 1, 1, 0x04);
  p.master.io_write(0, 1, 1, 0x01);
  CHECK(p.master.state().expect == 0);
  CHECK(p.master.state().vector_base == 0x20);
  CHECK(p.master.state().icw3 == 0x04);
  CHECK(p.master.slave_on(2));
  CHECK_FALSE(p.master.slave_on(3));
  p.master.io_write(0, 1, 1, 0xFB);  // OCW1
  CHECK(p.master.io_read(0, 1, 1) == 0xFB);
}

TEST_CASE("pic8259: single mode skips ICW3", "[pic8259]") {
  Pic8259 pic(true);
  pic.io_write(0, 0, 1, 0x13);  // ICW1: single, ICW4
  pic.io_write(0, 1, 1, 0x40);
  CHECK(pic.state().expect == 4);
  pic.io_write(0, 1, 1, 0x01);
  pic.io_write(0, 1, 1, 0x00);  // OCW1, not ICW3
  pic.set_irq(2, true);
  CHECK(pic.acknowledge() == 0x42);  // IR2 is an ordinary line without a cascade
}

TEST_CASE("pic8259: IRQ0 is delivered once, moves IRR to ISR, and EOI ends it", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.set_irq(0, true);
  CHECK(p.interrupt_pending());
  CHECK(read_irr(p.master) == 0x01);
  CHECK(p.acknowledge() == 0x20);
  CHECK(read_irr(p.master) == 0x00);
  CHECK(read_isr(p.master) == 0x01);
  CHECK_FALSE(p.interrupt_pending());  // held high: edge-triggered, it requested once
  eoi(p.master);
  CHECK(read_isr(p.master) == 0x00);
  CHECK_FALSE(p.interrupt_pending());
  p.set_irq(0, false);
  p.set_irq(0, true);  // a new edge
  CHECK(p.interrupt_pending());
  CHECK(p.acknowledge() == 0x20);
}

TEST_CASE("pic8259: a lower IRQ waits while a higher one is in service", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.set_irq(3, true);
  CHECK(p.acknowledge() == 0x23);
  p.set_irq(5, true);
  CHECK_FALSE(p.interrupt_pending());  // IR5 is below IR3, which is in service
  CHECK(read_irr(p.master) == 0x20);   // IR3's bit went to ISR at INTA; IR5 waits in IRR
  p.set_irq(1, true);                  // above IR3: nests
  CHECK(p.interrupt_pending());
  CHECK(p.acknowledge() == 0x21);
  CHECK(read_isr(p.master) == 0x0A);
  eoi(p.master);  // non-specific: the highest in service, IR1
  CHECK(read_isr(p.master) == 0x08);
  CHECK_FALSE(p.interrupt_pending());
  eoi(p.master);
  CHECK(p.interrupt_pending());
  CHECK(p.acknowledge() == 0x25);
}

TEST_CASE("pic8259: specific EOI clears only the named level", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.set_irq(4, true);
  CHECK(p.acknowledge() == 0x24);
  p.set_irq(1, true);
  CHECK(p.acknowledge() == 0x21);
  specific_eoi(p.master, 4);
  CHECK(read_isr(p.master) == 0x02);
  specific_eoi(p.master, 1);
  CHECK(read_isr(p.master) == 0x00);
}

TEST_CASE("pic8259: masked IRQs stay in IRR until unmasked", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.master.io_write(0, 1, 1, 0x10);  // mask IR4
  p.set_irq(4, true);
  CHECK_FALSE(p.interrupt_pending());
  CHECK(read_irr(p.master) == 0x10);
  p.master.io_write(0, 1, 1, 0x00);
  CHECK(p.interrupt_pending());
  CHECK(p.acknowledge() == 0x24);
}

TEST_CASE("pic8259: IRQ 8-15 come through the slave on IR2 with the slave's vectors", "[pic8259]") {
  PicPair p;
  init_pair(p, 0x20, 0x70);
  for (unsigned irq = 8; irq < 16; ++irq) {
    INFO("IRQ " << irq);
    p.set_irq(irq, true);  // a request is a rising edge that stays up until INTA
    REQUIRE(p.interrupt_pending());
    CHECK(read_irr(p.master) == 0x04);
    CHECK(p.acknowledge() == 0x70 + irq - 8);
    CHECK(read_isr(p.master) == 0x04);  // the cascade line is in service on the master
    CHECK(read_isr(p.slave) == (1u << (irq - 8)));
    CHECK_FALSE(p.interrupt_pending());
    eoi(p.slave);
    eoi(p.master);
    p.set_irq(irq, false);
  }
}

TEST_CASE("pic8259: a slave IRQ waits for the master's EOI of IR2", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.set_irq(12, true);
  CHECK(p.acknowledge() == 0x2C);
  p.set_irq(9, true);  // above IRQ12 on the slave: the slave raises INT again...
  CHECK(p.slave.int_output());
  CHECK_FALSE(p.interrupt_pending());  // ...but IR2 is in service on the master (fully nested)
  eoi(p.master);
  CHECK(p.interrupt_pending());
  CHECK(p.acknowledge() == 0x29);
  CHECK(read_isr(p.slave) == 0x12);
  p.set_irq(0, true);  // IRQ0 is above the whole slave
  CHECK(p.acknowledge() == 0x20);
}

TEST_CASE("pic8259: special fully nested mode lets a higher slave IRQ through", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.master.io_write(0, 0, 1, 0x11);
  p.master.io_write(0, 1, 1, 0x20);
  p.master.io_write(0, 1, 1, 0x04);
  p.master.io_write(0, 1, 1, 0x11);  // ICW4: 8086, SFNM
  p.master.io_write(0, 1, 1, 0x00);
  p.set_irq(12, true);
  CHECK(p.acknowledge() == 0x2C);
  p.set_irq(9, true);
  CHECK(p.interrupt_pending());
  CHECK(p.acknowledge() == 0x29);
}

TEST_CASE("pic8259: a second slave request re-raises the cascade after INTA", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.slave.io_write(0, 0, 1, 0x11);  // slave in AEOI: its INT stays up with a second request
  p.slave.io_write(0, 1, 1, 0x28);
  p.slave.io_write(0, 1, 1, 0x02);
  p.slave.io_write(0, 1, 1, 0x03);
  p.set_irq(9, true);
  p.set_irq(10, true);
  CHECK(p.acknowledge() == 0x29);
  CHECK(read_isr(p.slave) == 0x00);   // AEOI
  CHECK(read_irr(p.master) == 0x04);  // a fresh edge on IR2 for IRQ10
  eoi(p.master);
  CHECK(p.acknowledge() == 0x2A);
}

TEST_CASE("pic8259: a request gone before INTA gives the spurious IRQ7 vector", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.set_irq(3, true);
  CHECK(p.interrupt_pending());
  p.set_irq(3, false);  // the line dropped before INTA (datasheet: default IR7)
  CHECK(p.acknowledge() == 0x27);
  CHECK(read_isr(p.master) == 0x00);  // no ISR bit for a spurious interrupt
  // A masked request at INTA is spurious too.
  p.set_irq(5, true);
  p.master.io_write(0, 1, 1, 0x20);
  CHECK(p.acknowledge() == 0x27);
  CHECK(read_isr(p.master) == 0x00);
}

TEST_CASE("pic8259: a slave with nothing at INTA gives IRQ15's vector, IR2 in service",
          "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.master.set_irq(2, true);  // the master saw the cascade INT, the slave has nothing by INTA
  CHECK(p.acknowledge() == 0x2F);
  CHECK(read_isr(p.master) == 0x04);  // the OS must EOI the master for a spurious IRQ15
  CHECK(read_isr(p.slave) == 0x00);
}

TEST_CASE("pic8259: OCW3 selects IRR or ISR on the command port, IMR on the data port",
          "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.set_irq(6, true);
  p.set_irq(7, true);
  CHECK(p.acknowledge() == 0x26);
  CHECK(read_irr(p.master) == 0x80);
  CHECK(p.master.io_read(0, 0, 1) == 0x80);  // the selection sticks
  CHECK(read_isr(p.master) == 0x40);
  CHECK(p.master.io_read(0, 0, 1) == 0x40);
  p.master.io_write(0, 0, 1, 0x08);  // OCW3 without RR: selection unchanged
  CHECK(p.master.io_read(0, 0, 1) == 0x40);
  p.master.io_write(0, 1, 1, 0x5A);
  CHECK(p.master.io_read(0, 1, 1) == 0x5A);
}

TEST_CASE("pic8259: poll mode reads the level and acknowledges it", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.set_irq(5, true);
  p.master.io_write(0, 0, 1, 0x0C);  // OCW3: poll
  CHECK(p.master.io_read(0, 0, 1) == 0x85);
  CHECK(read_isr(p.master) == 0x20);
  CHECK_FALSE(p.interrupt_pending());
  p.master.io_write(0, 0, 1, 0x0C);
  CHECK(p.master.io_read(0, 1, 1) == 0x00);  // nothing pending (and either port answers)
  CHECK(p.master.io_read(0, 1, 1) == 0x00);  // the poll is over: IMR again
}

TEST_CASE("pic8259: rotation makes the serviced level the lowest", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.set_irq(1, true);
  CHECK(p.acknowledge() == 0x21);
  p.master.io_write(0, 0, 1, 0xA0);  // rotate on non-specific EOI: IR1 becomes lowest
  CHECK(p.master.state().lowest_priority == 1);
  CHECK(read_isr(p.master) == 0x00);
  p.set_irq(1, false);
  p.set_irq(1, true);
  p.set_irq(4, true);
  CHECK(p.acknowledge() == 0x24);    // IR2..IR0 order now starts at IR2; IR4 beats IR1
  p.master.io_write(0, 0, 1, 0xE4);  // rotate on specific EOI 4
  CHECK(p.master.state().lowest_priority == 4);
  p.master.io_write(0, 0, 1, 0xC7);  // set priority: IR7 lowest (the reset order)
  CHECK(p.acknowledge() == 0x21);
}

TEST_CASE("pic8259: AEOI never sets ISR", "[pic8259]") {
  Pic8259 pic(true);
  pic.io_write(0, 0, 1, 0x13);
  pic.io_write(0, 1, 1, 0x08);
  pic.io_write(0, 1, 1, 0x03);  // 8086, AEOI
  pic.io_write(0, 1, 1, 0x00);
  pic.set_irq(3, true);
  pic.set_irq(5, true);
  CHECK(pic.acknowledge() == 0x0B);
  CHECK(pic.state().isr == 0);
  CHECK(pic.int_output());  // IR5 is not held back
  CHECK(pic.acknowledge() == 0x0D);
}

TEST_CASE("pic8259: special mask mode lets lower levels past a masked level in service",
          "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.set_irq(3, true);
  CHECK(p.acknowledge() == 0x23);
  p.set_irq(6, true);
  CHECK_FALSE(p.interrupt_pending());
  p.master.io_write(0, 1, 1, 0x08);  // mask IR3
  p.master.io_write(0, 0, 1, 0x68);  // OCW3: set special mask
  CHECK(p.interrupt_pending());
  CHECK(p.acknowledge() == 0x26);
  p.master.io_write(0, 0, 1, 0x48);  // reset special mask
  CHECK_FALSE(p.master.state().special_mask);
}

TEST_CASE("pic8259: ICW1 clears requests and service, a held line needs a new edge", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.set_irq(4, true);
  CHECK(p.acknowledge() == 0x24);
  p.set_irq(6, true);
  init_pair(p);
  CHECK(read_isr(p.master) == 0x00);
  CHECK(read_irr(p.master) == 0x00);
  CHECK_FALSE(p.interrupt_pending());
  p.set_irq(6, false);
  p.set_irq(6, true);
  CHECK(p.acknowledge() == 0x26);
}

TEST_CASE("pic8259: modes other than edge-triggered 8086 throw", "[pic8259]") {
  Pic8259 pic(true);
  CHECK_THROWS_WITH(pic.io_write(0, 0, 1, 0x19), Catch::Contains("pic8259: level-triggered"));
  CHECK_THROWS_WITH(pic.io_write(0, 0, 1, 0x10), Catch::Contains("pic8259: ICW1 without ICW4"));
  pic.io_write(0, 0, 1, 0x13);
  pic.io_write(0, 1, 1, 0x20);
  CHECK_THROWS_WITH(pic.io_write(0, 1, 1, 0x00), Catch::Contains("pic8259: ICW4 without 8086"));
}

TEST_CASE("pic8259: a cascade to no answering slave reads 0xFF and warns", "[pic8259]") {
  PicPair p;
  init_pair(p);
  p.slave.io_write(0, 0, 1, 0x11);
  p.slave.io_write(0, 1, 1, 0x28);
  p.slave.io_write(0, 1, 1, 0x05);  // wrong slave ID
  p.slave.io_write(0, 1, 1, 0x01);
  p.set_irq(9, true);
  CHECK(p.acknowledge() == 0xFF);
  REQUIRE(p.warnings().size() == 1);
  CHECK(p.warnings()[0] == "pic8259: no slave answers the cascade on IR2 (slave ID 5)");
}
