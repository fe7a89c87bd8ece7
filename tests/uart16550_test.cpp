// Mirrors devices/uart16550.cpp: NS16550A registers, divisor latch, THR bytes, loopback.
#include "devices/uart16550.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace fs;

namespace {
struct Fixture {
  std::string sent;
  Uart16550 uart{[this](std::uint8_t b) { sent.push_back(static_cast<char>(b)); }};
  std::uint32_t rd(std::uint16_t reg) { return uart.io_read(0, reg, 1); }
  void wr(std::uint16_t reg, std::uint8_t v) { uart.io_write(0, reg, 1, v); }
};
}  // namespace

TEST_CASE("uart16550: bytes written to THR are transmitted in order", "[uart16550]") {
  Fixture f;
  for (char c : std::string("hello\n")) f.wr(0, static_cast<std::uint8_t>(c));
  CHECK(f.sent == "hello\n");
  CHECK(f.rd(5) == 0x60);  // LSR: THRE | TEMT, always
  CHECK(f.rd(0) == 0x00);  // RBR: nothing received
}

TEST_CASE("uart16550: the divisor latch round-trips behind DLAB", "[uart16550]") {
  Fixture f;
  f.wr(1, 0x05);  // IER
  f.wr(3, 0x83);  // DLAB = 1, 8N1
  f.wr(0, 0x01);  // DLL: 115200 baud
  f.wr(1, 0x00);  // DLM
  CHECK(f.rd(0) == 0x01);
  CHECK(f.rd(1) == 0x00);
  f.wr(0, 0x0C);
  f.wr(1, 0x03);
  CHECK(f.uart.state().divisor == 0x030C);
  CHECK(f.rd(0) == 0x0C);
  CHECK(f.rd(1) == 0x03);
  CHECK(f.sent.empty());  // DLL writes are not data
  f.wr(3, 0x03);          // DLAB = 0
  CHECK(f.rd(3) == 0x03);
  CHECK(f.rd(1) == 0x05);  // IER again, untouched by the DLM writes
  f.wr(0, 'x');
  CHECK(f.sent == "x");
  CHECK(f.uart.state().divisor == 0x030C);
}

TEST_CASE("uart16550: reset values, IER, IIR/FCR, MCR, MSR and SCR", "[uart16550]") {
  Fixture f;
  CHECK(f.rd(1) == 0x00);
  CHECK(f.rd(2) == 0x01);  // IIR: no interrupt pending
  CHECK(f.rd(3) == 0x00);
  CHECK(f.rd(4) == 0x00);
  CHECK(f.rd(6) == 0xB0);  // DCD, DSR, CTS asserted
  f.wr(1, 0xFF);
  CHECK(f.rd(1) == 0x0F);  // four enable bits
  f.wr(2, 0xC7);           // FIFO on, clear both, trigger 14
  CHECK(f.rd(2) == 0xC1);  // FIFOs enabled, still no interrupt
  f.wr(2, 0x00);
  CHECK(f.rd(2) == 0x01);
  f.wr(4, 0xFF);
  CHECK(f.rd(4) == 0x1F);
  f.wr(7, 0x5A);
  CHECK(f.rd(7) == 0x5A);
  f.wr(5, 0x00);  // LSR writes are ignored
  CHECK(f.rd(5) == 0x60);
}

TEST_CASE("uart16550: loopback passes Linux's 8250 autoconfig test and receives", "[uart16550]") {
  Fixture f;
  f.wr(4, 0x1A);                    // LOOP | OUT2 | RTS
  CHECK((f.rd(6) & 0xF0) == 0x90);  // DCD | CTS
  f.wr(0, 'a');
  CHECK(f.sent.empty());   // looped back, not sent
  CHECK(f.rd(5) == 0x61);  // data ready
  CHECK(f.rd(0) == 'a');
  CHECK(f.rd(5) == 0x60);
  f.wr(0, 'b');
  f.wr(0, 'c');            // no FIFO: overrun, the new byte replaces the old
  CHECK(f.rd(5) == 0x63);  // DR | OE
  CHECK(f.rd(5) == 0x61);  // OE clears on read
  CHECK(f.rd(0) == 'c');
  f.wr(4, 0x00);
  CHECK(f.rd(6) == (0xB0 | 0x02));  // back to the outside lines: DSR changed (DDSR)
  CHECK(f.rd(6) == 0xB0);           // the deltas clear on read
  f.wr(0, 'd');
  CHECK(f.sent == "d");
}

TEST_CASE("uart16550: loopback with the FIFO holds 16 bytes", "[uart16550]") {
  Fixture f;
  f.wr(2, 0x01);
  f.wr(4, 0x10);
  for (int i = 0; i < 17; ++i) f.wr(0, static_cast<std::uint8_t>('A' + i));
  CHECK(f.rd(5) == 0x63);  // the 17th byte overran
  for (int i = 0; i < 16; ++i) CHECK(f.rd(0) == static_cast<std::uint32_t>('A' + i));
  CHECK(f.rd(5) == 0x60);
}
