// How the machine charges cycles to instructions: the interface the run loop (emu/machine.cpp) has
// to its two timing modes, which charge the same cycles to the same instructions and so take
// interrupts at the same boundaries (DESIGN.md "The machine"):
// - BlockTiming (emu/block_timing.hpp), fast mode: a hook at each translated block charges the
//   whole block at its start, and stops the CPU inside it (a one-shot stop point) only when a
//   deadline, an interrupt or an intercepted instruction falls inside;
// - InsnTiming (emu/insn_timing.hpp), trace mode: a hook at every instruction charges it and
//   shows it to the instruction observers.
// Each owns its decode cache. The loop asks the timing what only it knows: which instruction a
// port access belongs to, and how far a fault takes back what was charged.
#pragma once

#include <cstdint>
#include <exception>

#include "emu/clock.hpp"
#include "emu/unicorn_cpu.hpp"

namespace fs {

// The instruction a port access in progress belongs to: when it started (the device sees the
// access then), and where the clock and the instruction count stand once it retires.
struct IoSlot {
  Cycles start = 0;
  Cycles retire_clock = 0;
  std::uint64_t retire_insns = 0;
  std::uint32_t insn_addr = 0;  // 0 when not known
};

// What the CPU's exception or software interrupt was, once the timing has found its instruction.
struct FaultPoint {
  bool soft = false;             // INT n, INT3 or INTO: the instruction retired
  std::uint8_t insn_length = 0;  // ...and its length (a fault while delivering it is at it)
};

class Timing {
 public:
  virtual ~Timing() = default;
  // At the loop top, before each CPU run (fast mode arms its stop point and RDTSC sites here).
  virtual void before_run() {}
  // Right after each CPU run (fast mode puts back a stale EIP and disarms its stop point).
  virtual void after_run() {}
  // From a port hook: the I/O instruction in progress (each call is the next I/O of its block).
  virtual IoSlot io_slot() = 0;
  // From the interrupt hook, EIP `eip` as Unicorn reports it: take back what was charged for the
  // instructions from the faulting one on (a fault does not retire; INT n does).
  virtual FaultPoint rewind_to_fault(std::uint32_t eip, std::uint32_t vector) = 0;
  // The CPU stopped at `eip` (after a data breakpoint's access, or because the instruction there
  // failed: a hole in memory, a device mode not modelled): only the instructions before it
  // retired.
  virtual void rewind_to(std::uint32_t eip) = 0;
  // A breakpoint observer is about to run at `addr`, before the instruction there.
  virtual void at_breakpoint(std::uint32_t /*addr*/) {}
};

// Unicorn's callback for a hook that runs on every block or instruction: no wrapper, and an
// exception (a decoder out of memory, an observer's) is handed to the CPU, which stops and
// rethrows it from run().
template <typename T, void (T::*Hook)(std::uint32_t, std::uint32_t)>
void hot_hook(void*, std::uint64_t addr, std::uint32_t size, void* self) noexcept {
  auto* t = static_cast<T*>(self);
  UnicornCpu& cpu = t->cpu();
  if (cpu.failed()) [[unlikely]]
    return;
  try {
    (t->*Hook)(static_cast<std::uint32_t>(addr), size);
  } catch (...) {
    cpu.fail(std::current_exception());
  }
}

}  // namespace fs
