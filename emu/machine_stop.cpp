// Machine: how a run ends. The board's outputs that end it (a debug-exit write, the i8042's RESET),
// the fatal stops, and what the report shows: where the guest was and its last instructions.
#include <fmt/format.h>

#include <algorithm>

#include "emu/machine.hpp"

namespace fs {

// The OUT that ends the run retired: counters stop there, even though Unicorn may still run the
// rest of the translated block (whose port I/O is then ignored).
void Machine::retire_out() {
  s_.clock.now = io_.retire_clock;
  s_.stats.instructions = io_.retire_insns;
}

void Machine::board_exit(std::uint32_t v) {
  // The guest's exit: its value makes the status (emu/exit_status.hpp).
  if (s_.result) return;
  retire_out();
  RunResult r;
  r.reason = StopReason::kGuestExit;
  r.guest_value = v;
  r.exit_status = exit_status_for(r.reason, v);
  s_.result = r;
  s_.request_stop(StopKind::kExit);
}

void Machine::board_reset() {
  // RESET pulsed (devices/i8042.hpp question 5): the run ends at that OUT, as at a debug-exit
  // write, with its own status (docs/exit-status.md).
  if (s_.result) return;
  retire_out();
  fatal(StopReason::kReset,
        fmt::format("guest reset: the i8042 pulsed RESET (port 0x64) at {}", where(io_.insn_addr)),
        false);
}

std::uint32_t Machine::failing_eip() const {
  return io_.insn_addr ? io_.insn_addr : cpu_->reg(Reg::kEip);  // a port access names its insn
}

std::string Machine::where(std::uint32_t eip) const {
  return fmt::format("{:04x}:{:08x} <{}>", cpu_->reg(Reg::kCs), eip, symbols_.describe(eip));
}

void Machine::fatal(StopReason r, std::string message, bool with_history) {
  if (s_.result) return;
  RunResult res;
  res.reason = r;
  res.exit_status = exit_status_for(r, 0);
  res.message = std::move(message);
  if (with_history) res.last_instructions = history();
  s_.result = std::move(res);
  s_.request_stop(StopKind::kFatal);
}

std::vector<std::string> Machine::history() const {
  // Newest last. Fast mode keeps blocks with how many of their instructions retired.
  std::vector<std::uint32_t> addrs;
  const std::size_t n = std::min(s_.recent_pos, s_.recent.size());
  for (std::size_t i = 0; i < n && addrs.size() < 16; ++i) {
    const RecentCode& r = s_.recent[(s_.recent_pos - 1 - i) % s_.recent.size()];
    if (!r.block) {
      addrs.push_back(r.addr);
      continue;
    }
    for (std::uint32_t j = std::min<std::uint32_t>(r.executed, r.block->insns.size()); j-- > 0;) {
      addrs.push_back(r.block->insns[j].addr);
      if (addrs.size() >= 16) break;
    }
  }
  std::vector<std::string> out;
  auto& dec = const_cast<Decoder&>(decoder_);
  for (auto it = addrs.rbegin(); it != addrs.rend(); ++it) {
    std::uint8_t bytes[16] = {};
    read(*it, bytes, sizeof bytes);
    out.push_back(fmt::format("{:08x} <{}> {}", *it, symbols_.describe(*it),
                              dec.disassemble(*it, bytes, sizeof bytes)));
  }
  return out;
}

}  // namespace fs
