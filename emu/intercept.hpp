// Which instructions forkscope checks or runs itself at the boundary before them, instead of
// letting Unicorn run them (issue 12; emu/machine_intercept.cpp runs them):
// - IN, OUT, INS, OUTS at CPL > IOPL (emu/io_permission.hpp),
// - MOV to/from DR0-DR7 (emu/debug_registers.hpp: Unicorn must never run one),
// - an instruction with an enabled instruction breakpoint on it,
// - IN and OUT while an I/O breakpoint is enabled (forkscope runs the one whose port matches).
// Both timings ask here: block timing for blocks that may hold one (Block::checked_at_boundary, or
// every block while an instruction breakpoint is enabled), instruction timing for each
// instruction; either stops the CPU right before the instruction, with `pending` naming it.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "emu/block_cache.hpp"
#include "emu/debug_registers.hpp"
#include "emu/unicorn_cpu.hpp"
#include "emu/watchpoints.hpp"

namespace fs {

struct Intercept {
  std::uint32_t addr = ~0u;  // the instruction the CPU stopped before (~0: none)
  DecodedInsn insn;
  std::array<std::uint8_t, 16> bytes{};
};

struct Intercepts {
  DebugRegisters dr;
  bool insn_breakpoints = false;  // some instruction breakpoint is enabled
  std::vector<std::pair<std::uint32_t, std::uint32_t>> data_watch;  // armed data ranges
  std::uint32_t data_hits = 0;  // B0-B3 of data breakpoints hit by the current instruction
  // gdb's watchpoints (issue 14), the data hook's second client, and the first access of the
  // current instruction to match one.
  std::vector<Watchpoint> watchpoints;
  std::optional<WatchHit> watch_hit;
  bool data_stop() const { return data_hits || watch_hit; }  // stop right after this instruction
  Intercept pending;
  std::uint32_t pass = ~0u;  // checked and allowed: let the CPU run it once

  // Whether `in` (its bytes at `bytes`) is one to intercept; the CPL/IOPL check is read once per
  // block through *cpl_read / *above_iopl.
  bool needs(const UnicornCpu& cpu, const DecodedInsn& in, const std::uint8_t* bytes,
             bool* cpl_read, bool* above_iopl) const;
  // The first instruction of `b` to intercept (its index, `pending` set), or -1.
  int first_in(const UnicornCpu& cpu, const Block& b);
  // Trace mode: the same for one instruction about to run; true (and `pending` set) to intercept.
  bool check(const UnicornCpu& cpu, const DecodedInsn& in, const std::uint8_t* code,
             std::uint32_t n) {
    if (in.addr == pass) [[unlikely]] {
      pass = ~0u;
      return false;
    }
    pass = ~0u;
    bool cpl_read = false, above_iopl = false;
    if ((in.cls == InsnClass::kIo || code[0] == 0x0F || insn_breakpoints) &&
        needs(cpu, in, code, &cpl_read, &above_iopl)) [[unlikely]] {
      pending.addr = in.addr;
      pending.insn = in;
      std::memcpy(pending.bytes.data(), code, n);
      return true;
    }
    return false;
  }
};

}  // namespace fs
