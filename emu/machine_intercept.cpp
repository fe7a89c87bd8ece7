// Machine: the instructions forkscope checks or runs itself, at the boundary before them (issue
// 12).
//
// - IN, OUT, INS, OUTS at CPL > IOPL: Unicorn runs them unchecked (its QEMU has the check compiled
//   out), and its port hooks see a stale EIP and cannot undo an INS's store, so the check
//   (emu/io_permission.hpp) runs before the instruction: #GP(0) at it, or the CPU runs it.
// - MOV to/from DR0-DR7: Unicorn must never run one (a MOV to DR7 enabling a breakpoint crashes
//   it); forkscope executes it on its own DebugRegisters (emu/debug_registers.hpp).
// - Instruction breakpoints: #DB, a fault, before the instruction, unless EFLAGS.RF is set.
// - Data breakpoints: memory hooks, installed only while one is enabled, note the hit; the CPU
//   stops after the accessing instruction and #DB, a trap, is delivered there.
//
// Which instructions to stop before is emu/intercept.hpp's to say, asked by both timings. Either
// way the run loop calls run_intercept() with the CPU exactly before the instruction.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "emu/io_permission.hpp"
#include "emu/machine.hpp"

namespace fs {
namespace {

constexpr std::uint32_t kTF = 1u << 8, kRF = 1u << 16;  // EFLAGS (SDM vol. 3B 17.3.1)
constexpr std::uint32_t kCr4DE = 1u << 3;

// TSS reads for the I/O permission check, by linear address through the guest's page tables
// (Machine::read); a TSS page that is not mapped is reported as #GP(0), the check's own fault.
class LinearReader : public GuestMemory {
 public:
  explicit LinearReader(const Machine& m) : m_(m) {}
  std::optional<MemFault> read(std::uint32_t lin, void* out, unsigned n, bool) override {
    if (!m_.read(lin, out, n)) return MemFault{kGP, 0, lin};
    return std::nullopt;
  }
  std::optional<MemFault> write(std::uint32_t lin, const void*, unsigned, bool) override {
    return MemFault{kGP, 0, lin};
  }

 private:
  const Machine& m_;
};

}  // namespace

bool Machine::run_intercept() {
  const Intercept in = std::exchange(ix_.pending, Intercept{});
  const std::uint32_t eip = in.addr;
  const std::uint8_t* bytes = in.bytes.data();
  const std::uint32_t eflags = cpu_->reg(Reg::kEflags);
  std::optional<Event> fault;
  bool executed = false;
  std::optional<std::pair<Reg, std::uint32_t>> gpr_write;
  // Priority (SDM vol. 3A table 6-2): a code breakpoint comes before the instruction's own faults.
  if (const std::uint32_t hits = instruction_breakpoint_hits(ix_.dr, eip);
      hits && !(eflags & kRF)) {
    // B0-B3 report this exception's breakpoints only (as QEMU's check_hw_breakpoints).
    ix_.dr.dr6 = (ix_.dr.dr6 & ~0xFu) | hits;
    fault = Event{kDB, EventKind::kException, std::nullopt};
  } else if (auto m = decode_mov_dr(bytes, in.bytes.size())) {
    const Reg gpr = static_cast<Reg>(m->gpr);  // Reg's order is the ModRM encoding (EAX..EDI)
    std::uint32_t v = cpu_->reg(gpr);
    const bool de = (cpu_->reg(Reg::kCr4) & kCr4DE) != 0;
    switch (execute_mov_dr(ix_.dr, *m, v, cpu_->cpl(), de)) {
      case MovDrResult::kDone:
        executed = true;
        if (!m->to_dr) gpr_write = std::pair{gpr, v};  // after the observers saw the state before
        if (m->to_dr) sync_breakpoints();
        break;
      case MovDrResult::kGP:
        fault = Event{kGP, EventKind::kException, 0u};
        break;
      case MovDrResult::kUD:
        fault = Event{kUD, EventKind::kException, std::nullopt};
        break;
      case MovDrResult::kDB:
        fault = Event{kDB, EventKind::kException, std::nullopt};
        break;
    }
  } else if (auto io = decode_io(bytes, in.bytes.size())) {
    IoAccess a;
    a.cpl = cpu_->cpl();
    a.eflags = eflags;
    a.tr_base = (cpu_->tr_selector() & ~3u) ? cpu_->tr_base() : 0;
    a.tr_limit = (cpu_->tr_selector() & ~3u) ? cpu_->tr_limit() : 0;
    a.port = io->port_in_dx ? static_cast<std::uint16_t>(cpu_->reg(Reg::kEdx)) : io->imm_port;
    a.width = io->width;
    LinearReader mem(*this);
    if (auto f = check_io_permission(a, mem)) {
      fault = Event{f->vector, EventKind::kException, std::nullopt};
      if (pushes_error_code(f->vector)) fault->error_code = f->error_code;
      if (f->vector == kPF) cpu_->set_reg(Reg::kCr2, f->cr2);
    }
  }
  if (!fault && !executed) {
    ix_.pass = eip;  // allowed: the CPU runs it
    return false;
  }
  // Trace mode: observers see the instruction as they see every other one.
  if (insn_timing_) {
    insn_timing_->observe_intercepted(in.insn, eip);
    if (s_.result) return true;
  }
  if (fault) {
    deliver(*fault, eip);
    return true;
  }
  if (gpr_write) cpu_->set_reg(gpr_write->first, gpr_write->second);
  s_.clock.now += in.insn.cycles;
  ++s_.stats.instructions;
  cpu_->set_reg(Reg::kEip, eip + in.insn.len);
  // The instruction completed: RF clears, and TF set at its start makes it a single step (SDM vol.
  // 3B 17.3.1.1, 17.3.1.4), which Unicorn cannot raise for an instruction it did not run.
  if (eflags & kRF) cpu_->set_reg(Reg::kEflags, eflags & ~kRF);
  if (eflags & kTF) {
    ix_.dr.dr6 = (ix_.dr.dr6 & ~0xFu) | kDr6BS;
    deliver(Event{kDB, EventKind::kException, std::nullopt}, eip + in.insn.len);
  }
  return true;
}

void Machine::sync_breakpoints() {
  ix_.insn_breakpoints = ix_.dr.any_instruction_breakpoint();
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
  for (unsigned n = 0; n < 4; ++n) {
    if (!ix_.dr.enabled(n) || (ix_.dr.rw(n) != 1 && ix_.dr.rw(n) != 3)) continue;
    const std::uint32_t lo = ix_.dr.addr[n] & ~(ix_.dr.len(n) - 1);
    ranges.emplace_back(lo, lo + ix_.dr.len(n) - 1);
  }
  if (ranges == ix_.data_watch) return;  // unchanged: keep the translations
  ix_.data_watch = ranges;
  cpu_->watch_data(
      ranges,
      [this](std::uint32_t addr, unsigned size, bool write) {
        ix_.data_hits |= data_breakpoint_hits(ix_.dr, addr, size, write);
      },
      [this] {
        if (ix_.data_hits) s_.request_stop(StopKind::kBoundary);  // right after the accessing insn
      });
}

void Machine::deliver_data_breakpoint() {
  const std::uint32_t eip = cpu_->reg(Reg::kEip);
  timing_->rewind_to(eip);
  if (s_.pending != RunState::Pending::kNone) s_.settle_pending_transfer(eip);
  ix_.dr.dr6 = (ix_.dr.dr6 & ~0xFu) | std::exchange(ix_.data_hits, 0);
  deliver(Event{kDB, EventKind::kException, std::nullopt}, eip);
}

void Machine::note_cpu_exception(std::uint32_t vector) {
  // Unicorn raises #DB only for single steps (forkscope keeps DR7 from it): DR6.BS, together with
  // any data breakpoint the same instruction hit (SDM vol. 3B 17.3.1.4). Any other exception means
  // the accessing instruction faulted: its data breakpoint never happened.
  if (vector == kDB) ix_.dr.dr6 = (ix_.dr.dr6 & ~0xFu) | kDr6BS | ix_.data_hits;
  ix_.data_hits = 0;
}

}  // namespace fs
