// Mirrors guest/drivers/serial.c and guest/drivers/n_tty.c: console input from `--serial-input`
// (MachineOptions::serial_input) reaches a user reader through IRQ4, the tty buffer and a wait
// queue, while the reader sleeps and the idle task halts; checked through the machine's API.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "emu/machine.hpp"
#include "guest/include/abi.h"

using namespace fs;

namespace {

constexpr std::uint8_t kIrq4Vector = 0x24;  // the guest's ICW2 puts IR0-7 at 0x20-0x27
constexpr std::uint32_t kTaskInterruptible = 1;
constexpr Cycles kChar = 8681;  // 115200 8N1 at 100 MHz (devices/uart16550.hpp)

struct Irq4 {
  Cycles at;
  std::string from;            // where the interrupt came in
  std::uint32_t reader_state;  // the reading task's state then (~0u before it first reads)
};

struct Run {
  std::string console;
  std::vector<Irq4> irqs;
  std::uint64_t idle_halts = 0;
  RunResult result;
};

Run run_lines(const std::string& input, bool per_instruction) {
  Run r;
  MachineOptions o;
  o.cmdline = "init=lines";
  o.per_instruction = per_instruction;
  o.serial_out = [&r](std::uint8_t b) { r.console.push_back(static_cast<char>(b)); };
  o.serial_input = std::vector<std::uint8_t>(input.begin(), input.end());
  Machine m(o);
  m.load(std::string(FS_BUILD_DIR) + "/guest/kernel.elf");
  std::uint32_t reader = 0;
  m.add_breakpoint("read_chan", [&reader](Machine& mm) {
    const std::uint32_t esp = mm.reg(Reg::kEsp);
    reader = mm.read32((esp & ~std::uint32_t{THREAD_SIZE - 1}) + TI_TASK);
  });
  m.on_delivery([&](Machine& mm, const Delivery& d) {
    if (d.vector != kIrq4Vector) return;
    r.irqs.push_back(
        {mm.clock().now, mm.describe(d.from.eip), reader ? mm.read32(reader + TASK_STATE) : ~0u});
  });
  m.on_halt([&r](Cycles idle) {
    if (idle) ++r.idle_halts;
  });
  r.result = m.run();
  return r;
}

}  // namespace

TEST_CASE("tty: input arriving while the reader sleeps wakes it, the idle task halts meanwhile",
          "[kernel][tty]") {
  // The boot takes ~4 M cycles; the UART's FIFO holds 16 bytes of what comes meanwhile and the
  // rest follows at one byte per 8681 cycles: 30 lines of 8 bytes take ~2 M cycles more, most of
  // them while the reader already waits.
  std::string input;
  for (int i = 0; i < 30; ++i) input += "line " + std::to_string(10 + i) + "\n";
  for (bool per_instruction : {false, true}) {
    INFO((per_instruction ? "per-instruction" : "fast"));
    Run r = run_lines(input, per_instruction);
    REQUIRE(r.result.reason == StopReason::kGuestExit);
    CHECK(r.result.guest_value == 0);
    CHECK(r.console.find("lines: 1: 7 bytes \"01 ENIL\"\n") != std::string::npos);
    CHECK(r.console.find("lines: 30: 7 bytes \"93 ENIL\"\n") != std::string::npos);
    CHECK(r.console.find("lines: end of input: 30 lines, 240 bytes in 30 reads\n") !=
          std::string::npos);
    // Every byte and the ^D came by IRQ4, one interrupt each or fewer (the FIFO may hold several).
    REQUIRE(!r.irqs.empty());
    CHECK(r.irqs.size() <= input.size() + 1);
    // Some came while the reader slept in read_chan (TASK_INTERRUPTIBLE) and the idle task was in
    // its `sti; hlt`: the interrupt returns into default_idle (inlined into cpu_idle).
    std::vector<Cycles> asleep;
    for (const Irq4& q : r.irqs)
      if (q.reader_state == kTaskInterruptible &&
          (q.from.rfind("default_idle", 0) == 0 || q.from.rfind("cpu_idle", 0) == 0))
        asleep.push_back(q.at);
    CHECK(asleep.size() >= 100);
    CHECK(r.idle_halts >= asleep.size());
    // A halted CPU takes each byte the cycle it lands: one character time apart, as the UART's
    // sender starts the next byte the moment the previous one lands (the FIFO has room).
    int exact = 0;
    for (std::size_t i = 1; i < asleep.size(); ++i) exact += asleep[i] - asleep[i - 1] == kChar;
    CHECK(exact >= 100);
  }
}

TEST_CASE("tty: fast and per-instruction runs take every input interrupt at the same cycle",
          "[kernel][tty]") {
  const std::string input = "abc\n\nxyz";  // an empty line and an unended last one
  Run a = run_lines(input, false), b = run_lines(input, true);
  CHECK(a.console == b.console);
  REQUIRE(a.irqs.size() == b.irqs.size());
  for (std::size_t i = 0; i < a.irqs.size(); ++i) {
    INFO(i);
    CHECK(a.irqs[i].at == b.irqs[i].at);
    CHECK(a.irqs[i].from == b.irqs[i].from);
  }
  CHECK(a.console.find("lines: 3: 3 bytes (no newline) \"ZYX\"\n") != std::string::npos);
}

TEST_CASE("tty: input that piles up throttles the driver and holds the UART's sender, none is lost",
          "[kernel][tty]") {
  // 600 bytes in lines of 100 (the tty buffer holds 256): the reader sleeps 50 ms first (the
  // lines.pause option), so the tty buffer fills and the driver masks the receive interrupt.
  std::string input;
  for (int i = 0; i < 6; ++i) input += std::string(99, static_cast<char>('a' + i)) + "\n";
  MachineOptions o;
  o.cmdline = "init=lines lines.pause=50";
  std::string console;
  o.serial_out = [&console](std::uint8_t b) { console.push_back(static_cast<char>(b)); };
  o.serial_input = std::vector<std::uint8_t>(input.begin(), input.end());
  Machine m(o);
  m.load(std::string(FS_BUILD_DIR) + "/guest/kernel.elf");
  bool enabled = false;  // serial8250_init has set IER.RDI
  struct Throttle {
    std::size_t fifo, held;  // bytes in the UART's FIFO, and not yet sent by its far end
  };
  std::vector<Throttle> throttles;
  int unthrottles = 0;
  m.on_port_io([&](std::uint16_t port, unsigned, bool is_write, std::uint32_t value) {
    if (port != 0x3F9 || !is_write) return;
    if (value == 1 && enabled) ++unthrottles;
    if (value == 1) enabled = true;
    if (value == 0 && enabled)
      throttles.push_back({m.uart().state().rx_count, m.uart().input_remaining()});
  });
  RunResult r = m.run();
  REQUIRE(r.reason == StopReason::kGuestExit);
  CHECK(r.guest_value == 0);
  for (int i = 1; i <= 6; ++i) {
    INFO(i);
    CHECK(console.find("lines: " + std::to_string(i) + ": 99 bytes \"" +
                       std::string(40, static_cast<char>('A' + i - 1)) + "\"...\n") !=
          std::string::npos);
  }
  CHECK(console.find("lines: end of input: 6 lines, 600 bytes in 12 reads\n") != std::string::npos);
  REQUIRE(!throttles.empty());
  CHECK(unthrottles == static_cast<int>(throttles.size()));
  // The first throttle: the tty buffer is full, bytes wait in the FIFO and at the far end.
  CHECK(throttles[0].fifo > 0);
  CHECK(throttles[0].held > 0);
  CHECK(m.uart().input_remaining() == 0);
}
