#include "emu/pc_board.hpp"

#include <cstdio>

namespace fs {

std::vector<std::uint8_t> serial_input_with_eof(std::vector<std::uint8_t> input) {
  constexpr std::uint8_t kEof = 0x04;  // ^D, VEOF in a tty's default termios
  if (!input.empty() && input.back() != '\n') input.push_back(kEof);
  input.push_back(kEof);
  return input;
}

namespace {

std::function<void(std::uint8_t)> or_stdout(std::function<void(std::uint8_t)> out) {
  if (out) return out;
  return [](std::uint8_t b) {
    std::fputc(b, stdout);
    if (b == '\n') std::fflush(stdout);
  };
}

}  // namespace

PcBoard::PcBoard(PcBoardWiring w)
    : pit_(w.cpu_hz),
      uart_(or_stdout(std::move(w.serial_out)), w.cpu_hz),
      debug_exit_(std::move(w.on_exit)),
      cmos_(w.cpu_hz, w.ram_bytes),
      port_b_(pit_),
      i8042_(std::move(w.on_reset)) {
  // A falling OUT0 only lowers IR0, which matters once the devices run again (before any
  // interrupt is taken): only rising edges need a deadline (Pit8254::set_out_handler).
  pit_.set_out_handler(
      0, [this](bool level) { pic_.set_irq(0, level); }, true);
  // COM1 interrupts on IRQ4 (the PC's wiring; the OUT2 gate is modelled in the UART).
  uart_.set_irq_handler([this](bool level) { pic_.set_irq(4, level); });
  if (w.serial_input) uart_.set_input(serial_input_with_eof(std::move(*w.serial_input)));
  i8042_.set_irq_handlers([this](bool level) { pic_.set_irq(1, level); },
                          [this](bool level) { pic_.set_irq(12, level); });
  // The header's attach order: device ids, and so the order of same-cycle events.
  bus_.attach(0x20, 2, &pic_.master);
  bus_.attach(0x40, 4, &pit_);
  bus_.attach(0xA0, 2, &pic_.slave);
  bus_.attach(0xF4, 4, &debug_exit_);
  bus_.attach(0x3F8, 8, &uart_);
  bus_.attach(0x60, 1, &i8042_.data_port());
  bus_.attach(0x61, 1, &port_b_);
  bus_.attach(0x64, 1, &i8042_.command_port());
  bus_.attach(0x70, 2, &cmos_);
  bus_.attach(0x80, 1, &post_);
}

PcBoard::State PcBoard::state() const {
  return State{pit_.state(),        pic_.master.state(),    pic_.slave.state(),     uart_.state(),
               debug_exit_.state(), cmos_.state(),          port_b_.state(),        post_.state(),
               i8042_.state(),      bus_.unclaimed_reads(), bus_.unclaimed_writes()};
}

void PcBoard::restore(const State& s) {
  pit_.restore(s.pit);
  pic_.master.restore(s.pic_master);
  pic_.slave.restore(s.pic_slave);
  uart_.restore(s.uart);
  debug_exit_.restore(s.debug_exit);
  cmos_.restore(s.cmos);
  port_b_.restore(s.port_b);
  post_.restore(s.post);
  i8042_.restore(s.i8042);
  bus_.restore_unclaimed(s.unclaimed_reads, s.unclaimed_writes);
}

}  // namespace fs
