// What the run loop (emu/machine.cpp) and the two timings (emu/block_timing.hpp,
// emu/insn_timing.hpp) share: the cycle clock and counters, the next device deadline and the
// PIC's INT pin as the hooks see them, why the CPU was stopped, the variable cost of a transfer
// still to settle, how the run ended, and the recent code for a guest error's report.
//
// Plain state, like a device's: the loop owns it, the timings update it from inside the CPU run.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emu/block_cache.hpp"
#include "emu/clock.hpp"
#include "emu/unicorn_cpu.hpp"
#include "x86/cycle_table.hpp"

namespace fs {

// Why a run ended, and the process exit status each maps to (emu/exit_status.hpp).
enum class StopReason : std::uint8_t {
  kGuestExit,      // the guest wrote v to the debug-exit port: 0 for 0, else ((v << 1) | 1) & 0xff
  kTripleFault,    // status 6
  kHaltedNoIrq,    // HLT with IF=0, or with IF=1 and no device event ever due: status 4
  kGuestError,     // an access to memory with no RAM behind it: status 8
  kUnimplemented,  // the guest used a mode forkscope does not model (base/severity.hpp): status 10
  kReset,          // the guest pulsed the CPU's RESET line (the i8042's 0xfe): status 12
  kInternal,       // a forkscope bug (FS_ASSERT, an unexpected exception): status 70
  kCycleLimit,     // --max-cycles reached: status 124, like timeout(1)
  kKilled,         // a debugger killed the run (gdb's `kill`): status 130, as a shell reports ^C
};
int exit_status_for(StopReason r, std::uint32_t guest_value);
const char* stop_reason_name(StopReason r);

struct RunResult {
  StopReason reason = StopReason::kGuestExit;
  std::uint32_t guest_value = 0;
  int exit_status = 0;
  std::string message;  // one line for the user (empty for a clean guest exit)
  std::vector<std::string>
      last_instructions;  // for guest faults: "0060:00101234 <sym+0x4> mov ..."
};

struct MachineStats {
  std::uint64_t instructions = 0;  // (instructions and blocks first: the block hook's cache line)
  std::uint64_t blocks = 0;
  std::uint64_t hlts = 0;
  std::uint64_t stop_points = 0;                // exact mid-block stops armed
  std::uint64_t tlb_flushes = 0;                // retired CR0/CR3/CR4 loads and INVLPGs
  std::array<std::uint64_t, 256> interrupts{};  // delivered, by vector
};

// Why the CPU was stopped from a hook: kBoundary, boundary work (an interrupt, a device, an
// intercepted instruction) before the next instruction; kArm, the same after arming a stop point
// inside the next block; kFatal and kExit, the run is over.
enum class StopKind : std::uint8_t { kNone, kBoundary, kArm, kFatal, kExit };

// Recent code for reports: blocks (fast mode, with how many of their instructions retired) or
// single instructions (trace mode: block null).
struct RecentCode {
  const Block* block = nullptr;
  std::uint32_t executed = 0;
  std::uint32_t addr = 0;
};

// What the block hook reads and writes on every block comes first, in the first 72 bytes: the
// clock, the deadline, the INT pin, why the CPU stops, the pending transfer, the recent-code
// position, then the counters (stats.instructions and stats.blocks lead MachineStats).
struct alignas(64) RunState {
  Clock clock;
  Cycles deadline = kNever;  // min(next device event, max_cycles)
  bool irq_line = false;     // the PIC's INT pin, cached: read on every block
  StopKind stop_kind = StopKind::kNone;

  // A conditional branch or IRET whose cost depends on where it went: settled at the next
  // boundary, when the next EIP is known.
  enum class Pending : std::uint8_t { kNone, kBranch, kIret } pending = Pending::kNone;
  std::uint16_t pending_extra = 0;
  std::uint32_t pending_fallthrough = 0;
  std::size_t recent_pos = 0;
  MachineStats stats;

  UnicornCpu* cpu = nullptr;  // set once the CPU exists (its hooks point into the timings)
  Cycles max_cycles = kNever;
  std::optional<RunResult> result;
  unsigned pending_cpl = 0;
  std::array<RecentCode, 32> recent{};

  void request_stop(StopKind k) {
    if (stop_kind == StopKind::kFatal || stop_kind == StopKind::kExit) return;  // first wins
    stop_kind = k;
    cpu->stop();
  }
  void settle_pending_transfer(std::uint32_t next_eip) {
    if (pending == Pending::kBranch) {
      if (next_eip != pending_fallthrough) clock.now += pending_extra;
      pending = Pending::kNone;
    } else if (pending == Pending::kIret) {
      clock.now += cycle_table::iret_cycles(cpu->cpl() > pending_cpl);
      pending = Pending::kNone;
    }
  }
  void pend_branch(std::uint32_t fallthrough, std::uint16_t taken_extra) {
    pending = Pending::kBranch;
    pending_fallthrough = fallthrough;
    pending_extra = taken_extra;
  }
  void pend_iret() {
    pending = Pending::kIret;
    pending_cpl = cpu->cpl();
  }
  void remember(const Block* b, std::uint32_t executed, std::uint32_t addr) {
    recent[recent_pos % recent.size()] = RecentCode{b, executed, addr};
    ++recent_pos;
  }
  RecentCode& last_remembered() { return recent[(recent_pos - 1) % recent.size()]; }
};

}  // namespace fs
