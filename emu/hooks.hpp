// Every way to watch the machine run: the observers Machine's on_* calls register (emu/machine.hpp
// documents each), in one place. Observers see; apart from a debugger's kill() and set_reg() they
// must not change the machine.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "emu/clock.hpp"
#include "x86/delivery.hpp"

namespace fs {

class Machine;

struct MachineObservers {
  // The one observer that runs on every instruction in trace mode (the trace recorder): a plain
  // function pointer, called before the std::function ones.
  using InsnFastFn = void (*)(void* ctx, std::uint32_t eip, Cycles now);
  InsnFastFn insn_fast = nullptr;
  void* insn_fast_ctx = nullptr;
  std::vector<std::function<void(std::uint32_t eip, Cycles now)>> insn;

  std::vector<std::function<void(Machine&, const Delivery&)>> delivery;
  std::vector<
      std::function<void(std::uint16_t port, unsigned size, bool is_write, std::uint32_t value)>>
      port_io;
  std::vector<std::function<void(Cycles idle)>> halt;
  std::function<void()> progress;

  // Trace mode: an instruction boundary, before the instruction.
  void instruction(std::uint32_t eip, Cycles now) const {
    if (insn_fast) insn_fast(insn_fast_ctx, eip, now);
    for (auto& f : insn) f(eip, now);
  }
};

}  // namespace fs
