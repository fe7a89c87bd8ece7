// Machine: the instructions forkscope checks or runs itself, at the boundary before them (issue
// 12).
//
// - IN, OUT, INS, OUTS at CPL > IOPL: Unicorn runs them unchecked (its QEMU has the check compiled
//   out), and its port hooks see a stale EIP and cannot undo an INS's store, so the check
//   (emu/io_permission.hpp) runs before the instruction: #GP(0) at it, or the CPU runs it.
// - MOV to/from DR0-DR7: Unicorn must never run one (a MOV to DR7 enabling a breakpoint crashes
// it);
//   forkscope executes it on its own DebugRegisters (emu/debug_registers.hpp).
// - Instruction breakpoints: #DB, a fault, before the instruction, unless EFLAGS.RF is set.
// - Data breakpoints: memory hooks, installed only while one is enabled, note the hit; the CPU
// stops
//   after the accessing instruction and #DB, a trap, is delivered there.
// - gdb's watchpoints (issue 14, emu/watchpoints.hpp) are the same hook's second client: a hit
//   stops the CPU after the accessing instruction too, and on_watch runs there, before the #DB.
//   A debugger that moves EIP or changes watchpoints from inside the CPU run stops it before the
//   current instruction (restart_at); the run loop applies the change there (apply_restart).
//
// Fast mode finds these in blocks that have one (Block::checked_at_boundary) and stops before the
// instruction (at the block start, or at a stop point inside it); trace mode checks each
// instruction in hook_insn. Either way the run loop calls run_intercept() with the CPU exactly
// before it.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "emu/io_permission.hpp"
#include "emu/machine.hpp"

namespace fs {
namespace {

constexpr std::uint32_t kTF = 1u << 8, kRF = 1u << 16;  // EFLAGS (SDM vol. 3B 17.3.1)
constexpr std::uint32_t kCr4DE = 1u << 3;

bool is_mov_dr(const std::uint8_t* bytes) {
  return bytes[0] == 0x0F && (bytes[1] == 0x21 || bytes[1] == 0x23);
}

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

bool Machine::needs_intercept(const DecodedInsn& in, const std::uint8_t* bytes, bool* cpl_read,
                              bool* above_iopl) {
  if (is_mov_dr(bytes)) return true;
  if (insn_breakpoints_ && instruction_breakpoint_hits(dr_, in.addr)) return true;
  if (in.cls != InsnClass::kIo) return false;
  if (!*cpl_read) {
    IoAccess a;
    a.cpl = cpu_->cpl();
    a.eflags = cpu_->reg(Reg::kEflags);
    *above_iopl = !iopl_allows(a);
    *cpl_read = true;
  }
  return *above_iopl;
}

int Machine::first_intercept(const Block& b) {
  // Called for blocks with an I/O instruction or a MOV DRn (Block::checked_at_boundary), and for
  // every block while an instruction breakpoint is enabled.
  bool cpl_read = false, above_iopl = false;
  for (std::size_t k = 0; k < b.insns.size(); ++k) {
    const DecodedInsn& in = b.insns[k];
    if (k == 0 && in.addr == intercept_pass_) continue;  // checked at the loop top: let it run
    const std::size_t off = in.addr - b.addr;
    std::uint8_t bytes[16] = {};
    std::memcpy(bytes, &b.bytes[off], std::min<std::size_t>(sizeof bytes, b.bytes.size() - off));
    if (!needs_intercept(in, bytes, &cpl_read, &above_iopl)) continue;
    intercept_.addr = in.addr;
    intercept_.insn = in;
    std::memcpy(intercept_.bytes.data(), bytes, sizeof bytes);
    return static_cast<int>(k);
  }
  return -1;
}

bool Machine::run_intercept() {
  const Intercept in = std::exchange(intercept_, Intercept{});
  const std::uint32_t eip = in.addr;
  const std::uint8_t* bytes = in.bytes.data();
  const std::uint32_t eflags = cpu_->reg(Reg::kEflags);
  std::optional<Event> fault;
  bool executed = false;
  std::optional<std::pair<Reg, std::uint32_t>> gpr_write;
  // Priority (SDM vol. 3A table 6-2): a code breakpoint comes before the instruction's own faults.
  if (const std::uint32_t hits = instruction_breakpoint_hits(dr_, eip); hits && !(eflags & kRF)) {
    // B0-B3 report this exception's breakpoints only (as QEMU's check_hw_breakpoints).
    dr_.dr6 = (dr_.dr6 & ~0xFu) | hits;
    fault = Event{kDB, EventKind::kException, std::nullopt};
  } else if (auto m = decode_mov_dr(bytes, in.bytes.size())) {
    const Reg gpr = static_cast<Reg>(m->gpr);  // Reg's order is the ModRM encoding (EAX..EDI)
    std::uint32_t v = cpu_->reg(gpr);
    const bool de = (cpu_->reg(Reg::kCr4) & kCr4DE) != 0;
    switch (execute_mov_dr(dr_, *m, v, cpu_->cpl(), de)) {
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
    intercept_pass_ = eip;  // allowed: the CPU runs it
    return false;
  }
  // Trace mode: observers see the instruction as they see every other one.
  if (opt_.per_instruction) {
    cur_insn_ = in.insn;
    cur_writes_ = kAllFastRegs;  // the recorder reads every register after it
    cur_insn_clock_ = clock_.now;
    if (insn_fast_) insn_fast_(insn_fast_ctx_, eip, clock_.now);
    for (auto& f : insn_observers_) f(eip, clock_.now);
    if (result_ || cpu_->reg(Reg::kEip) != eip) return true;  // killed, or a debugger moved EIP
  }
  if (fault) {
    deliver(*fault, eip);
    return true;
  }
  if (gpr_write) cpu_->set_reg(gpr_write->first, gpr_write->second);
  clock_.now += in.insn.cycles;
  ++stats_.instructions;
  cpu_->set_reg(Reg::kEip, eip + in.insn.len);
  // The instruction completed: RF clears, and TF set at its start makes it a single step (SDM vol.
  // 3B 17.3.1.1, 17.3.1.4), which Unicorn cannot raise for an instruction it did not run.
  if (eflags & kRF) cpu_->set_reg(Reg::kEflags, eflags & ~kRF);
  if (eflags & kTF) {
    dr_.dr6 = (dr_.dr6 & ~0xFu) | kDr6BS;
    deliver(Event{kDB, EventKind::kException, std::nullopt}, eip + in.insn.len);
  }
  return true;
}

void Machine::sync_breakpoints() {
  insn_breakpoints_ = dr_.any_instruction_breakpoint();
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges = watch_ranges(watchpoints_);
  for (unsigned n = 0; n < 4; ++n) {
    if (!dr_.enabled(n) || (dr_.rw(n) != 1 && dr_.rw(n) != 3)) continue;
    const std::uint32_t lo = dr_.addr[n] & ~(dr_.len(n) - 1);
    ranges.emplace_back(lo, lo + dr_.len(n) - 1);
  }
  if (ranges == data_watch_) return;  // unchanged: keep the translations
  data_watch_ = ranges;
  cpu_->watch_data(
      ranges,
      [this](std::uint32_t addr, unsigned size, bool write) {
        data_hits_ |= data_breakpoint_hits(dr_, addr, size, write);
        if (!watch_hit_) watch_hit_ = first_watch_hit(watchpoints_, addr, size, write);
      },
      [this] {
        // Right after the accessing instruction.
        if (data_hits_ || watch_hit_) request_stop(StopKind::kBoundary);
      });
}

void Machine::set_watchpoints(std::vector<Watchpoint> list) {
  watchpoints_ = std::move(list);
  if (!cpu_->running()) return sync_breakpoints();
  // Inside the CPU run the new hooks would miss the rest of the block under way: stop before the
  // current instruction and install them at the loop top (apply_restart).
  if (!opt_.per_instruction)
    throw std::logic_error("Machine::set_watchpoints: inside a fast-mode run");
  restart_at(reg(Reg::kEip));
}

void Machine::restart_at(std::uint32_t eip) {
  restart_eip_ = eip;
  request_stop(StopKind::kBoundary);
}

void Machine::apply_restart() {
  const std::uint32_t eip = *std::exchange(restart_eip_, std::nullopt);
  // The instruction the CPU stopped before never ran. When it is the one to run now, its observers
  // have seen it already; elsewhere (gdb's `jump`), the new one is observed as usual.
  if (eip == cpu_->reg(Reg::kEip))
    observed_pass_ = eip;
  else
    cpu_->set_reg(Reg::kEip, eip);
  have_cur_insn_ = false;
  sync_breakpoints();
}

void Machine::stop_after_data_access() {
  const std::uint32_t eip = cpu_->reg(Reg::kEip);
  // Fast mode charged the whole block at its start; only the instructions before EIP retired.
  if (block_) {
    if (const int k = block_->index_of(eip); k >= 0) {
      clock_.now = block_base_ + block_->before[k];
      stats_.instructions = block_base_insns_ + k;
    }
    block_ = nullptr;
  }
  if (pending_ != Pending::kNone) settle_pending_transfer(eip);
  // gdb first: it sees the state right after the access, before the guest's handler runs.
  if (auto hit = std::exchange(watch_hit_, std::nullopt); hit && watch_observer_) {
    watch_observer_(*hit);
    if (result_) return;  // killed
  }
  if (!data_hits_) return;
  dr_.dr6 = (dr_.dr6 & ~0xFu) | std::exchange(data_hits_, 0);
  deliver(Event{kDB, EventKind::kException, std::nullopt}, cpu_->reg(Reg::kEip));
}

void Machine::note_cpu_exception(std::uint32_t vector) {
  // Unicorn raises #DB only for single steps (forkscope keeps DR7 from it): DR6.BS, together with
  // any data breakpoint the same instruction hit (SDM vol. 3B 17.3.1.4). Any other exception means
  // the accessing instruction faulted: its data breakpoint never happened.
  if (vector == kDB) dr_.dr6 = (dr_.dr6 & ~0xFu) | kDr6BS | data_hits_;
  data_hits_ = 0;
  if (vector != kDB) watch_hit_.reset();  // a single step's #DB: the access happened
}

}  // namespace fs
