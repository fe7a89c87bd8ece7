// Mirrors emu/pc_board.cpp: the port map and the IRQ lines of the PC the guest sees, its outputs
// (COM1, debug-exit, RESET), and state()/restore() covering every chip on it.
#include "emu/pc_board.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace fs;

namespace {
constexpr std::uint64_t kHz = 100'000'000;

struct Board {
  std::string sent;
  std::vector<std::uint32_t> exits;
  int resets = 0;
  PcBoard board{wiring()};

  PcBoardWiring wiring() {
    PcBoardWiring w;
    w.cpu_hz = kHz;
    w.serial_out = [this](std::uint8_t b) { sent.push_back(static_cast<char>(b)); };
    w.on_exit = [this](std::uint32_t v) { exits.push_back(v); };
    w.on_reset = [this] { ++resets; };
    return w;
  }
  std::uint32_t in(std::uint16_t port, Cycles now = 0) { return board.read(now, port, 1); }
  void out(std::uint16_t port, std::uint8_t v, Cycles now = 0) { board.write(now, port, 1, v); }
  // The PIC pair as Linux's init_8259A leaves it: vectors 0x20/0x28, cascade on IR2, all masked.
  void init_pics(std::uint8_t master_mask, std::uint8_t slave_mask) {
    out(0x20, 0x11), out(0xA0, 0x11);
    out(0x21, 0x20), out(0xA1, 0x28);
    out(0x21, 0x04), out(0xA1, 0x02);
    out(0x21, 0x01), out(0xA1, 0x01);
    out(0x21, master_mask), out(0xA1, slave_mask);
  }
};
}  // namespace

TEST_CASE("pc_board: the AT's port map", "[pc_board]") {
  Board b;
  const PortBus& bus = b.board.bus();
  auto name = [&](std::uint16_t port) -> std::string {
    const IoDevice* d = bus.owner(port);
    return d ? d->name() : "none";
  };
  CHECK(name(0x20) == "pic8259-master");
  CHECK(name(0xA1) == "pic8259-slave");
  CHECK(name(0x43) == "pit8254");
  CHECK(name(0x60) == "i8042");
  CHECK(name(0x61) == "port61");
  CHECK(name(0x64) == "i8042");
  CHECK(name(0x71) == "cmos_rtc");
  CHECK(name(0x80) == "post");
  CHECK(name(0xF7) == "debug-exit");
  CHECK(name(0x3FF) == "uart16550");
  CHECK(name(0x2F8) == "none");
  CHECK(bus.device_count() == 10);
}

TEST_CASE("pc_board: PIT OUT0 is IRQ0 and the i8042's keyboard byte IRQ1, through the PIC pair",
          "[pc_board]") {
  Board b;
  b.init_pics(0xFC, 0xFF);  // IRQ0 and IRQ1 open
  CHECK_FALSE(b.board.interrupt_pending());
  b.out(0x64, 0xAA);  // self-test: 0x55 queued, IRQ1 (command byte 0x65 has the keyboard IRQ on)
  REQUIRE(b.board.interrupt_pending());
  CHECK(b.board.acknowledge() == 0x21);
  b.out(0x20, 0x20);  // EOI
  CHECK(b.in(0x60) == 0x55);
  // Channel 0, mode 2, count 100: OUT0 drops for one CLK at 100 and rises again (an edge).
  b.out(0x43, 0x34);
  b.out(0x40, 100);
  b.out(0x40, 0);
  const Cycles due = b.board.next_event();
  REQUIRE(due != kNever);
  b.board.run_until(due + kHz / 1'000'000 * 2);
  REQUIRE(b.board.interrupt_pending());
  CHECK(b.board.acknowledge() == 0x20);
}

TEST_CASE("pc_board: COM1 sends to serial_out, debug-exit and RESET reach the machine",
          "[pc_board]") {
  Board b;
  b.out(0x3F8, 'h');
  b.out(0x3F8, 'i');
  b.board.run_until(kHz);  // long enough for two characters at 115200 baud
  CHECK(b.sent == "hi");
  b.board.write(0, 0xF4, 2, 0x1234);
  CHECK(b.exits == std::vector<std::uint32_t>{0x1234});
  b.out(0x64, 0xFE);
  CHECK(b.resets == 1);
}

TEST_CASE("pc_board: restore() brings back every chip, and the bus's counts", "[pc_board]") {
  Board b;
  // Leave a mark in each chip: CMOS index and memory, port 0x61, the POST code, the i8042's
  // command byte and queue, the PIC's mask, a PIT count, the UART's scratch register, an
  // unclaimed read, a debug-exit write.
  auto marks = [&](std::uint8_t v) {
    b.out(0x70, 0x40), b.out(0x71, v);
    b.out(0x61, v & 0x0F);
    b.out(0x80, v);
    b.out(0x64, 0x60), b.out(0x60, v & 0x47);
    b.out(0x64, 0xAA);
    b.out(0x21, v);
    b.out(0x43, 0xB0), b.out(0x42, v), b.out(0x42, 0);
    b.out(0x3FF, v);
    b.in(0x2F8);
    b.out(0xF4, v);
  };
  auto seen = [&] {
    std::vector<std::uint32_t> r;
    b.out(0x70, 0x40);
    r.push_back(b.in(0x71));
    r.push_back(b.in(0x61) & 0x0F);
    b.out(0x64, 0x20);  // the command byte joins the queue, behind the self-test's 0x55s
    for (int i = 0; i < 4 && (b.in(0x64) & I8042::kStatusObf); ++i) r.push_back(b.in(0x60));
    r.push_back(b.in(0x21));
    r.push_back(b.in(0x3FF));
    r.push_back(static_cast<std::uint32_t>(b.board.bus().unclaimed_reads()));
    return r;
  };
  marks(0x35);
  const PcBoard::State saved = b.board.state();
  const std::vector<std::uint32_t> before = seen();
  b.board.restore(saved);
  marks(0xCA);
  CHECK(seen() != before);
  b.board.restore(saved);
  CHECK(seen() == before);
  CHECK(b.board.state().post.last_code == 0x35);
  CHECK(b.board.state().debug_exit.writes == 1);
  CHECK(b.board.state().pit.ch[2].cr == 0x35);
}
