// Mirrors devices/uart16550.cpp: NS16550A registers, divisor latch, THR bytes, loopback, and the
// receiver fed from an input string (arrival timing, DR, IIR, the IRQ line, FIFO, flow control).
#include "devices/uart16550.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace fs;

namespace {
struct Fixture {
  std::string sent;
  Uart16550 uart{[this](std::uint8_t b) { sent.push_back(static_cast<char>(b)); }};
  std::uint32_t rd(std::uint16_t reg) { return uart.io_read(0, reg, 1); }
  void wr(std::uint16_t reg, std::uint8_t v) { uart.io_write(0, reg, 1, v); }
};

// A receiver at 100 MHz with an input, the IRQ line's edges recorded as (cycle, level).
struct RxFixture {
  std::string sent;
  Uart16550 uart{[this](std::uint8_t b) { sent.push_back(static_cast<char>(b)); }, 100'000'000};
  std::vector<std::pair<Cycles, bool>> edges;
  Cycles t = 0;  // the cycle of the next access
  explicit RxFixture(const std::string& input) {
    uart.set_irq_handler([this](bool level) { edges.emplace_back(t, level); });
    uart.set_input(std::vector<std::uint8_t>(input.begin(), input.end()));
  }
  std::uint32_t rd(std::uint16_t reg) { return uart.io_read(t, reg, 1); }
  void wr(std::uint16_t reg, std::uint8_t v) { uart.io_write(t, reg, 1, v); }
  // 115200 baud (divisor 1), 8N1, as the guest's serial_init programs it.
  void program_115200_8n1() {
    wr(3, 0x80);
    wr(0, 0x01);
    wr(1, 0x00);
    wr(3, 0x03);
  }
  void run_to(Cycles c) {
    t = c;
    uart.run_until(c);
  }
};

// (1 start + 8 data + 1 stop) * 16 clocks of 1.8432 MHz = 86.806 us = 8680.6 cycles, rounded up.
constexpr Cycles kChar = 8681;
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
  CHECK(f.rd(6) == 0x30);  // DSR, CTS asserted; no input connected, so no DCD
  f.wr(1, 0xFF);
  CHECK(f.rd(1) == 0x0F);  // four enable bits
  f.wr(2, 0xC7);           // FIFO on, clear both, trigger 14
  CHECK(f.rd(2) == 0xC2);  // FIFOs enabled; THRE, armed by enabling ETBEI, read once...
  CHECK(f.rd(2) == 0xC1);  // ...and acknowledged by that read
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
  CHECK(f.rd(6) == (0x30 | 0x0A));  // back to the outside lines: DSR and DCD changed
  CHECK(f.rd(6) == 0x30);           // the deltas clear on read
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

TEST_CASE("uart16550: character time from LCR and the divisor latch, rounded up", "[uart16550]") {
  RxFixture f("");
  f.program_115200_8n1();
  CHECK(f.uart.char_cycles() == kChar);
  f.wr(3, 0x80);
  f.wr(0, 12);    // 9600 baud
  f.wr(3, 0x0E);  // 7 data bits, parity, 2 stop bits: 11 bits of 16 * 12 clocks
  CHECK(f.uart.char_cycles() == 114584);  // 2112 clocks = 114583.3 cycles
  f.wr(3, 0x84);
  f.wr(0, 1);
  f.wr(3, 0x04);                        // 5 data bits and 1.5 stop bits: 7.5 bits
  CHECK(f.uart.char_cycles() == 6511);  // 120 clocks = 6510.4 cycles
  f.wr(3, 0x80);
  f.wr(0, 0);
  f.wr(3, 0x03);  // divisor 0 counts as 65536
  CHECK(f.uart.char_cycles() == 568888889);
}

TEST_CASE("uart16550: input waits for RTS and lands one character time after it starts",
          "[uart16550]") {
  RxFixture f("ab");
  f.program_115200_8n1();
  CHECK(f.rd(6) == 0xB0);                // an input is connected: DCD
  CHECK(f.uart.next_event() == kNever);  // RTS low: the sender holds
  f.t = 1000;
  f.wr(4, 0x02);  // RTS
  CHECK(f.uart.next_event() == 1000 + kChar);
  f.run_to(1000 + kChar - 1);
  CHECK(f.rd(5) == 0x60);  // not yet
  f.run_to(1000 + kChar);
  CHECK(f.rd(5) == 0x61);  // DR
  // No FIFO: RBR is full, so the second byte does not start until the first is taken.
  CHECK(f.uart.next_event() == kNever);
  f.run_to(50'000);
  CHECK(f.rd(5) == 0x61);
  CHECK(f.rd(0) == 'a');
  CHECK(f.rd(5) == 0x60);
  CHECK(f.uart.next_event() == 50'000 + kChar);
  f.run_to(50'000 + kChar);
  CHECK(f.rd(0) == 'b');
  CHECK(f.uart.input_remaining() == 0);
  CHECK(f.uart.next_event() == kNever);
  CHECK(f.rd(5) == 0x60);
  CHECK(f.edges.empty());  // IER = 0: no interrupt
}

TEST_CASE("uart16550: loopback disconnects the input", "[uart16550]") {
  RxFixture f("x");
  f.program_115200_8n1();
  f.wr(4, 0x12);  // LOOP | RTS
  CHECK(f.uart.next_event() == kNever);
  f.t = 500;
  f.wr(4, 0x02);  // out of loopback: the sender starts
  CHECK(f.uart.next_event() == 500 + kChar);
}

TEST_CASE("uart16550: received data interrupt: IIR 0x04, IRQ line gated by OUT2", "[uart16550]") {
  RxFixture f("hi");
  f.program_115200_8n1();
  f.wr(1, 0x01);  // ERBFI
  f.wr(4, 0x0B);  // DTR | RTS | OUT2
  CHECK(f.rd(2) == 0x01);
  f.run_to(kChar);
  CHECK(f.rd(2) == 0x04);  // received data available
  REQUIRE(f.edges.size() == 1);
  CHECK(f.edges[0] == std::make_pair(kChar, true));
  CHECK(f.uart.irq_line());
  f.t = kChar + 100;
  CHECK(f.rd(0) == 'h');  // reading RBR clears it
  CHECK(f.rd(2) == 0x01);
  REQUIRE(f.edges.size() == 2);
  CHECK(f.edges[1] == std::make_pair(kChar + 100, false));
  // OUT2 low: the interrupt is pending in IIR but the PC's buffer keeps IRQ4 low.
  f.wr(4, 0x03);
  f.run_to(kChar + 100 + kChar);
  CHECK(f.rd(2) == 0x04);
  CHECK(!f.uart.irq_line());
  CHECK(f.edges.size() == 2);
  f.wr(4, 0x0B);  // OUT2 up: the line rises at once
  CHECK(f.uart.irq_line());
  CHECK(f.edges.size() == 3);
  f.wr(1, 0x00);  // ERBFI off: the interrupt goes away, DR stays
  CHECK(!f.uart.irq_line());
  CHECK(f.rd(2) == 0x01);
  CHECK(f.rd(5) == 0x61);
}

TEST_CASE("uart16550: the FIFO fills at line rate and the sender holds when it is full",
          "[uart16550]") {
  std::string input;
  for (int i = 0; i < 20; ++i) input.push_back(static_cast<char>('A' + i));
  RxFixture f(input);
  f.program_115200_8n1();
  f.wr(2, 0x07);  // FIFO on, trigger 1
  f.wr(4, 0x02);
  for (int i = 1; i <= 16; ++i) {
    CHECK(f.uart.next_event() == static_cast<Cycles>(i) * kChar);
    f.run_to(static_cast<Cycles>(i) * kChar);
  }
  CHECK(f.uart.state().rx_count == 16);
  CHECK(f.uart.next_event() == kNever);  // full: the line is held, nothing overruns
  f.run_to(1'000'000'000);
  CHECK(f.uart.state().rx_count == 16);
  CHECK(f.uart.input_remaining() == 4);
  CHECK(f.rd(5) == 0x61);  // DR, no OE
  CHECK(f.rd(0) == 'A');   // room for one: the 17th starts now
  CHECK(f.uart.next_event() == 1'000'000'000 + kChar);
  std::string got = "A";
  while (f.uart.next_event() != kNever) {
    f.run_to(f.uart.next_event());
    got.push_back(static_cast<char>(f.rd(0)));
  }
  while (f.rd(5) & 0x01) got.push_back(static_cast<char>(f.rd(0)));
  CHECK(got == input);
  CHECK(f.rd(5) == 0x60);
}

TEST_CASE("uart16550: FIFO trigger level and character timeout", "[uart16550]") {
  RxFixture f("abcde");
  f.program_115200_8n1();
  f.wr(1, 0x01);
  f.wr(2, 0x41);  // FIFO on, trigger 4
  f.wr(4, 0x0A);  // RTS | OUT2
  f.run_to(3 * kChar);
  CHECK(f.rd(2) == 0xC1);  // 3 bytes, below the trigger: nothing yet
  f.run_to(4 * kChar);
  CHECK(f.rd(2) == 0xC4);  // the fourth reaches the trigger level
  CHECK(f.uart.irq_line());
  f.t = 4 * kChar + 10;
  CHECK(f.rd(0) == 'a');
  CHECK(f.rd(2) == 0xC1);  // 3 left, below the trigger
  CHECK(!f.uart.irq_line());
  f.run_to(5 * kChar);  // 'e': the FIFO had room, so the bytes came at line rate
  CHECK(f.rd(2) == 0xC4);
  f.t = 5 * kChar + 10;
  CHECK(f.rd(0) == 'b');
  // 3 bytes and no more input: the timeout is 4 character times after that read.
  CHECK(f.uart.next_event() == 5 * kChar + 10 + 4 * kChar);
  f.run_to(5 * kChar + 10 + 4 * kChar - 1);
  CHECK(f.rd(2) == 0xC1);
  f.run_to(5 * kChar + 10 + 4 * kChar);
  CHECK(f.rd(2) == 0xCC);  // character timeout
  CHECK(f.uart.irq_line());
  CHECK(f.rd(0) == 'c');  // a read clears it and restarts the time
  CHECK(f.rd(2) == 0xC1);
  CHECK(!f.uart.irq_line());
}

TEST_CASE("uart16550: loopback overrun raises the line status interrupt in IIR", "[uart16550]") {
  Fixture f;
  f.wr(1, 0x05);  // ERBFI | ELSI
  f.wr(4, 0x10);  // loopback, no FIFO
  f.wr(0, 'a');
  CHECK(f.rd(2) == 0x04);
  f.wr(0, 'b');            // overrun
  CHECK(f.rd(2) == 0x06);  // line status outranks received data
  CHECK(f.rd(5) == 0x63);  // reading LSR clears OE
  CHECK(f.rd(2) == 0x04);
  CHECK(!f.uart.irq_line());  // loopback forces the OUT2 pin inactive
}

// The THRE interrupt (devices/uart16550.hpp open questions 1 and 2), with the IRQ line's edges.
namespace {
struct ThreFixture {
  std::string sent;
  Uart16550 uart{[this](std::uint8_t b) { sent.push_back(static_cast<char>(b)); }};
  std::vector<bool> edges;
  ThreFixture() {
    uart.set_irq_handler([this](bool level) { edges.push_back(level); });
  }
  std::uint32_t rd(std::uint16_t reg) { return uart.io_read(0, reg, 1); }
  void wr(std::uint16_t reg, std::uint8_t v) { uart.io_write(0, reg, 1, v); }
};
}  // namespace

TEST_CASE("uart16550: enabling ETBEI raises THRE at once, an IIR read acknowledges it",
          "[uart16550]") {
  ThreFixture f;
  f.wr(4, 0x08);  // OUT2: INTR reaches IRQ4
  CHECK(f.edges.empty());
  f.wr(1, 0x02);  // ETBEI
  CHECK(f.uart.irq_line());
  CHECK(f.edges == std::vector<bool>{true});
  CHECK(f.rd(2) == 0x02);  // THRE
  CHECK(!f.uart.irq_line());
  CHECK(f.rd(2) == 0x01);  // acknowledged: nothing pending
  f.wr(1, 0x02);           // ETBEI written again, already set: no new THRE (rising edge only)
  CHECK(f.rd(2) == 0x01);
  CHECK(f.edges == std::vector<bool>{true, false});
}

TEST_CASE("uart16550: a THR write sends the byte and re-arms THRE with a fresh edge",
          "[uart16550]") {
  ThreFixture f;
  f.wr(4, 0x08);
  f.wr(1, 0x02);
  CHECK(f.edges == std::vector<bool>{true});
  f.wr(0, 'a');  // THRE pending and not acknowledged: INTR still pulses low, then high
  CHECK(f.sent == "a");
  CHECK(f.edges == std::vector<bool>{true, false, true});
  CHECK(f.rd(2) == 0x02);
  f.wr(0, 'b');  // acknowledged first: one rising edge
  CHECK(f.edges == std::vector<bool>{true, false, true, false, true});
  CHECK(f.rd(2) == 0x02);
  f.wr(1, 0x00);  // ETBEI off: armed THRE is not shown
  f.wr(0, 'c');
  CHECK(f.rd(2) == 0x01);
  CHECK(!f.uart.irq_line());
  CHECK(f.sent == "abc");
}

TEST_CASE("uart16550: Linux's 8250 startup THRE test sees THRE reasserted (no UART_BUG_THRE)",
          "[uart16550]") {
  // drivers/tty/serial/8250/8250_port.c serial8250_do_startup: IER = THRI, read IIR, IER = 0,
  // IER = THRI, read IIR again; a UART whose second read shows no interrupt is polled by a timer.
  ThreFixture f;
  f.wr(4, 0x0B);  // DTR | RTS | OUT2
  CHECK((f.rd(5) & 0x20) != 0);
  f.wr(1, 0x02);
  const std::uint32_t iir1 = f.rd(2);
  f.wr(1, 0x00);
  f.wr(1, 0x02);
  const std::uint32_t iir = f.rd(2);
  f.wr(1, 0x00);
  CHECK((iir1 & 0x01) == 0);
  CHECK((iir & 0x01) == 0);
  CHECK((iir & 0x0F) == 0x02);
}

TEST_CASE("uart16550: IIR priority: line status > received data > THRE > modem status",
          "[uart16550]") {
  ThreFixture f;
  f.wr(4, 0x10);           // loopback (the pin is held low, IIR still tells)
  f.wr(1, 0x0F);           // every source enabled; ETBEI's rising edge arms THRE
  CHECK(f.rd(2) == 0x02);  // THRE outranks the modem-status delta loopback made
  CHECK(f.rd(2) == 0x00);  // then modem status (DCD/DSR/CTS/RI deltas from entering loopback)
  CHECK((f.rd(6) & 0x0F) != 0);
  CHECK(f.rd(2) == 0x01);  // MSR read cleared the deltas
  f.wr(0, 'x');            // looped back: received data, and THRE re-armed
  CHECK(f.rd(2) == 0x04);
  f.wr(0, 'y');  // overrun (no FIFO): line status on top
  CHECK(f.rd(2) == 0x06);
  CHECK(f.rd(5) == 0x63);  // LSR read clears OE
  CHECK(f.rd(2) == 0x04);
  CHECK(f.rd(0) == 'y');
  CHECK(f.rd(2) == 0x02);  // received data gone: THRE shows
  CHECK(f.rd(2) == 0x01);
  CHECK(!f.uart.irq_line());  // loopback forces the OUT2 pin inactive
}

TEST_CASE("uart16550: Linux's 8250 autoconfig identifies a 16550A", "[uart16550]") {
  // drivers/tty/serial/8250/8250_port.c autoconfig: IER read/write test, FCR enable and IIR bits
  // 7-6, then autoconfig_16550a's EFR (LCR 0xBF), NS SuperIO (LCR 0xE0), 16750 (FCR bit 5 with
  // DLAB) and Xscale (IER bit 6) probes must all fail.
  Fixture f;
  f.wr(1, 0x00);
  CHECK((f.rd(1) & 0x0F) == 0x00);
  f.wr(1, 0x0F);
  CHECK((f.rd(1) & 0x0F) == 0x0F);
  f.wr(1, 0x00);
  f.wr(3, 0xBF);  // UART_LCR_CONF_MODE_B
  f.wr(2, 0x00);  // EFR (an FCR write here)
  f.wr(3, 0x00);
  f.wr(2, 0x01);               // FIFO enable
  CHECK((f.rd(2) >> 6) == 3);  // 16550A
  f.wr(3, 0xBF);
  CHECK(f.rd(2) != 0);  // EFR does not read 0: no 16650
  f.wr(3, 0x80);        // UART_LCR_CONF_MODE_A
  CHECK(f.rd(2) != 0);
  f.wr(3, 0x00);
  const std::uint32_t mcr = f.rd(4);
  f.wr(3, 0xE0);
  const std::uint32_t excr1 = f.rd(2);
  f.wr(3, 0x00);
  f.wr(4, static_cast<std::uint8_t>(mcr ^ 0x10));
  f.wr(3, 0xE0);
  const std::uint32_t excr1_after = f.rd(2);
  f.wr(3, 0x00);
  f.wr(4, static_cast<std::uint8_t>(mcr));
  CHECK(((excr1 ^ excr1_after) & 0x10) == 0);  // no NS SuperIO bank switch
  f.wr(2, 0x21);                               // FIFO enable | 64-byte FIFO
  const std::uint32_t status1 = f.rd(2) >> 5;
  f.wr(2, 0x01);
  f.wr(3, 0x80);
  f.wr(2, 0x21);
  const std::uint32_t status2 = f.rd(2) >> 5;
  f.wr(2, 0x01);
  f.wr(3, 0x00);
  CHECK(!(status1 == 6 && status2 == 7));  // not a 16750
  f.wr(1, 0x40);                           // UART_IER_UUE
  CHECK((f.rd(1) & 0x40) == 0);            // not an Xscale
  CHECK(f.rd(7) == 0x00);
  f.wr(7, 0xA5);  // scratch register present
  CHECK(f.rd(7) == 0xA5);
  CHECK(f.rd(5) != 0xFF);  // serial8250_do_startup's "LSR safety check"
}
