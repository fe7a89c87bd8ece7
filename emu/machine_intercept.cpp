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
// - gdb's watchpoints (issue 14, emu/watchpoints.hpp) are the same hook's second client: a hit
//   stops the CPU after the accessing instruction too, and on_watch runs there, before the #DB.
//   A debugger that moves EIP or changes watchpoints from inside the CPU run stops it before the
//   current instruction (restart_at); the run loop applies the change there (apply_restart).
// - I/O breakpoints (DR7 R/W = 10 with CR4.DE): while one is enabled every IN and OUT stops here;
//   one whose port matches is run by forkscope (the port access, EAX for IN), then #DB, a trap, is
//   delivered after it with DR6.Bn. INS and OUTS are left to the CPU and never trap (not modelled).
//
// Which instructions to stop before is emu/intercept.hpp's to say, asked by both timings. Either
// way the run loop calls run_intercept() with the CPU exactly before the instruction.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "base/severity.hpp"
#include "emu/io_permission.hpp"
#include "emu/iret_fault.hpp"
#include "emu/machine.hpp"

namespace fs {
namespace {

constexpr std::uint32_t kTF = 1u << 8, kRF = 1u << 16;  // EFLAGS (SDM vol. 3B 17.3.1)
constexpr std::uint32_t kCr4DE = 1u << 3;

// An IN or OUT forkscope runs itself (an I/O breakpoint's, issue 12).
struct IoRun {
  std::uint16_t port = 0;
  unsigned width = 1;
  bool is_in = false;
};

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
  std::optional<IoRun> io_run;  // an IN or OUT on an I/O breakpoint: forkscope runs it
  std::uint32_t io_hits = 0;
  // Priority (SDM vol. 3A table 6-2): a code breakpoint comes before the instruction's own faults.
  if (const std::uint32_t hits = instruction_breakpoint_hits(ix_.dr, eip);
      hits && !(eflags & kRF)) {
    // B0-B3 report this exception's breakpoints only (as QEMU's check_hw_breakpoints).
    ix_.dr.dr6 = (ix_.dr.dr6 & ~0xFu) | hits;
    fault = Event{kDB, DeliveryKind::kException, std::nullopt};
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
        fault = Event{kGP, DeliveryKind::kException, 0u};
        break;
      case MovDrResult::kUD:
        fault = Event{kUD, DeliveryKind::kException, std::nullopt};
        break;
      case MovDrResult::kDB:
        fault = Event{kDB, DeliveryKind::kException, std::nullopt};
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
      fault = Event{f->vector, DeliveryKind::kException, std::nullopt};
      if (pushes_error_code(f->vector)) fault->error_code = f->error_code;
      if (f->vector == kPF) cpu_->set_reg(Reg::kCr2, f->cr2);
    } else if (!io->string && (cpu_->reg(Reg::kCr4) & kCr4DE)) {
      io_hits = io_breakpoint_hits(ix_.dr, a.port, a.width);
      if (io_hits) {
        io_run = IoRun{a.port, a.width, io->is_in};
        executed = true;
      }
    }
  }
  if (!fault && !executed) {
    ix_.pass = eip;  // allowed: the CPU runs it
    return false;
  }
  // Trace mode: observers see the instruction as they see every other one.
  if (insn_timing_) {
    insn_timing_->observe_intercepted(in.insn, eip);
    if (s_.result || cpu_->reg(Reg::kEip) != eip) return true;  // killed, or a debugger moved EIP
  }
  if (fault) {
    deliver(*fault, eip);
    return true;
  }
  if (gpr_write) cpu_->set_reg(gpr_write->first, gpr_write->second);
  if (io_run) {
    // As hook_port_in/out would: the access at the instruction's start cycle, then the observers,
    // the deadline and the INT line. A device mode forkscope does not model ends the run as it does
    // from the CPU's hooks (base/severity.hpp); anything else propagates as forkscope's bug.
    io_ = IoSlot{s_.clock.now, s_.clock.now + in.insn.cycles, s_.stats.instructions + 1, eip};
    const std::uint32_t mask = io_run->width == 4 ? ~0u : (1u << (8 * io_run->width)) - 1;
    const std::uint32_t eax = cpu_->reg(Reg::kEax);
    std::uint32_t v = eax & mask;
    try {
      if (io_run->is_in) {
        v = board_.read(io_.start, io_run->port, io_run->width) & mask;
        cpu_->set_reg(Reg::kEax, (eax & ~mask) | v);
      } else {
        board_.write(io_.start, io_run->port, io_run->width, v);
      }
    } catch (const Unimplemented& e) {
      io_.insn_addr = 0;
      fatal(StopReason::kUnimplemented,
            fmt::format("not modelled: {} at {}", e.what(), where(eip)));
      return true;
    }
    io_.insn_addr = 0;
    for (auto& f : observers_.port_io) f(io_run->port, io_run->width, !io_run->is_in, v);
    after_port_access();
    if (s_.result) return true;  // the debug-exit port: the run ends at this OUT
  }
  s_.clock.now += in.insn.cycles;
  ++s_.stats.instructions;
  cpu_->set_reg(Reg::kEip, eip + in.insn.len);
  // The instruction completed: RF clears, and TF set at its start makes it a single step (SDM vol.
  // 3B 17.3.1.1, 17.3.1.4), which Unicorn cannot raise for an instruction it did not run.
  if (eflags & kRF) cpu_->set_reg(Reg::kEflags, eflags & ~kRF);
  // An I/O breakpoint's trap and a single step after the same instruction are one #DB (17.3.1.2).
  const std::uint32_t db = io_hits | ((eflags & kTF) ? kDr6BS : 0u);
  if (db) {
    ix_.dr.dr6 = (ix_.dr.dr6 & ~0xFu) | db;
    deliver(Event{kDB, DeliveryKind::kException, std::nullopt}, eip + in.insn.len);
  }
  return true;
}

void Machine::sync_breakpoints() {
  ix_.insn_breakpoints = ix_.dr.any_instruction_breakpoint();
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges = watch_ranges(ix_.watchpoints);
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
        if (!ix_.watch_hit) ix_.watch_hit = first_watch_hit(ix_.watchpoints, addr, size, write);
      },
      [this] {
        // Right after the accessing instruction.
        if (ix_.data_stop()) s_.request_stop(StopKind::kBoundary);
      });
}

void Machine::set_watchpoints(std::vector<Watchpoint> list) {
  ix_.watchpoints = std::move(list);
  if (!cpu_->running()) return sync_breakpoints();
  // Inside the CPU run the new hooks would miss the rest of the block under way: stop before the
  // current instruction and install them at the loop top (apply_restart).
  FS_ASSERT(insn_timing_, "Machine::set_watchpoints inside a fast-mode run");
  restart_at(reg(Reg::kEip));
}

void Machine::restart_at(std::uint32_t eip) {
  restart_eip_ = eip;
  s_.request_stop(StopKind::kBoundary);
}

void Machine::apply_restart() {
  const std::uint32_t eip = *std::exchange(restart_eip_, std::nullopt);
  // The instruction the CPU stopped before never ran. When it is the one to run now, its observers
  // have seen it already - unless a snapshot was restored meanwhile (gdb went back, then changed
  // watchpoints as it resumed: issue 15); elsewhere (gdb's `jump`), the new one is observed as
  // usual.
  const bool same = eip == cpu_->reg(Reg::kEip);
  if (!same) cpu_->set_reg(Reg::kEip, eip);
  if (insn_timing_) insn_timing_->restarted(same && insn_timing_->observed_here(eip) ? eip : ~0u);
  sync_breakpoints();
}

void Machine::stop_after_data_access() {
  const std::uint32_t eip = cpu_->reg(Reg::kEip);
  // Fast mode charged the block under way whole: only the instructions before EIP retired. Trace
  // mode charges an instruction as it starts, and the CPU stopped before the next one started:
  // nothing to take back (its rewind_to is for an instruction that failed, and after a REP
  // iteration EIP names the instruction that has just run one).
  if (!insn_timing_) timing_->rewind_to(eip);
  if (s_.pending != RunState::Pending::kNone) s_.settle_pending_transfer(eip);
  // gdb first: it sees the state right after the access, before the guest's handler runs.
  if (auto hit = std::exchange(ix_.watch_hit, std::nullopt); hit && watch_observer_) {
    watch_observer_(*hit);
    if (s_.result) return;  // killed
  }
  if (!ix_.data_hits) return;
  ix_.dr.dr6 = (ix_.dr.dr6 & ~0xFu) | std::exchange(ix_.data_hits, 0);
  deliver(Event{kDB, DeliveryKind::kException, std::nullopt}, cpu_->reg(Reg::kEip));
}

void Machine::note_cpu_exception(Event& ev) {
  // Unicorn raises #DB only for single steps (forkscope keeps DR7 from it): DR6.BS, together with
  // any data breakpoint the same instruction hit (SDM vol. 3B 17.3.1.4). Any other exception means
  // the accessing instruction faulted: its data breakpoint never happened.
  if (ev.vector == kDB) ix_.dr.dr6 = (ix_.dr.dr6 & ~0xFu) | kDr6BS | ix_.data_hits;
  ix_.data_hits = 0;
  if (ev.vector != kDB) ix_.watch_hit.reset();  // a single step's #DB: the access happened
  // An IRET's not-present SS is #SS, not Unicorn's #NP (emu/iret_fault.hpp).
  if (ev.vector == kNP) {
    std::uint8_t bytes[2] = {};
    std::array<std::uint32_t, 5> stack{};
    const std::uint32_t eip = cpu_->reg(Reg::kEip);
    if (read(eip, bytes, sizeof bytes) && read(cpu_->reg(Reg::kEsp), stack.data(), sizeof stack))
      ev = sdm_iret_fault(ev, bytes, sizeof bytes, stack, cpu_->cpl());
  }
}

}  // namespace fs
