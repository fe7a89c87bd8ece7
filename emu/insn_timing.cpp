#include "emu/insn_timing.hpp"

#include <algorithm>
#include <cstring>

namespace fs {
namespace {
constexpr std::uint32_t kIF = 1u << 9;
}  // namespace

void InsnTiming::decode_into(Slot& slot, std::uint32_t addr, const std::uint8_t* bytes,
                             std::uint32_t size) {
  slot.insn = decoder_.decode_one(addr, bytes, size);
  if (!write_sets_) write_sets_ = std::make_unique<RegWriteSets>();
  slot.writes = slot.insn.len ? write_sets_->of(addr, bytes, size) : kAllFastRegs;
}

const InsnTiming::Slot& InsnTiming::lookup(std::uint32_t addr, std::uint32_t size,
                                           const std::uint8_t* code, bool& changed) {
  const std::uint32_t n = size < 16 ? size : 16;
  std::uint64_t lo, hi;
  std::memcpy(&lo, code, 8);
  std::memcpy(&hi, code + 8, 8);
  const std::uint64_t lo_mask = n >= 8 ? ~0ull : (1ull << (8 * n)) - 1;
  const std::uint64_t hi_mask = n <= 8 ? 0 : n >= 16 ? ~0ull : (1ull << (8 * (n - 8))) - 1;
  // Decoding is the expensive part of trace mode: cache by address, validated by the instruction's
  // bytes (code can change under the same address).
  const std::size_t at = (addr ^ (addr >> 12)) & (cache_.size() - 1);
  Slot& slot = cache_[at];
  if (slot.addr != addr || slot.size != size || (lo & lo_mask) != slot.lo ||
      (n > 8 && (hi & hi_mask) != hi_[at])) [[unlikely]] {
    // Did the code at `addr` change since it last ran? Compared over the shorter of the two
    // instructions: equal bytes there decode to the same length, so a translation made anew from
    // the new bytes never looks changed again.
    Seen& seen = seen_[addr];
    if (seen.size != 0) {
      const std::uint32_t m = std::min<std::uint32_t>(n, seen.size);
      const std::uint64_t lo_m = m >= 8 ? ~0ull : (1ull << (8 * m)) - 1;
      const std::uint64_t hi_m = m <= 8 ? 0 : m >= 16 ? ~0ull : (1ull << (8 * (m - 8))) - 1;
      changed = ((lo ^ seen.lo) & lo_m) != 0 || ((hi ^ seen.hi) & hi_m) != 0;
    }
    seen = Seen{static_cast<std::uint8_t>(n), lo & lo_mask, hi & hi_mask};
    slot.addr = addr;
    slot.size = static_cast<std::uint8_t>(size);
    slot.lo = lo & lo_mask;
    hi_[at] = hi & hi_mask;
    std::uint8_t bytes[16] = {};
    std::memcpy(bytes, code, n);
    decode_into(slot, addr, bytes, size);
  }
  return slot;
}

void InsnTiming::on_insn(std::uint32_t addr, std::uint32_t size) {
  if (s_.result) return;  // the run has ended; Unicorn is only winding down
  // The instruction before this one hit a data breakpoint: #DB, a trap, comes first (issue 12).
  if (ix_.data_stop()) [[unlikely]]
    return s_.request_stop(StopKind::kBoundary);
  retire_current(addr);
  if (s_.clock.now >= s_.deadline ||
      (s_.irq_line && (cpu().reg(Reg::kEflags) & kIF) && !cpu().interrupt_shadow())) {
    return s_.request_stop(StopKind::kBoundary);
  }
  // The instruction's bytes, from the frames its linear address maps to (16 readable bytes).
  const std::uint8_t* code = code_.bytes(addr, size < 16 ? size : 16);
  bool changed = false;
  const Slot& slot = lookup(addr, size, code, changed);
  if (changed) [[unlikely]] {
    // WORKAROUND(unicorn 2.1.1) stale code after a write through another mapping (see
    // BlockTiming::code_changed): the code here changed since it last ran, and Unicorn may be
    // running its old translation; drop it and run this instruction again, translated anew.
    cpu().invalidate_code(addr, addr + size);
    return s_.request_stop(StopKind::kBoundary);
  }
  st_.cur_insn = slot.insn;
  st_.cur_writes = slot.writes;
  // Issue 12: an instruction forkscope checks or runs itself stops the CPU right before it
  // (emu/machine_intercept.cpp); the run loop handles it, then lets it pass here once.
  if (ix_.check(cpu(), st_.cur_insn, code, size < 16 ? size : 16)) [[unlikely]]
    return s_.request_stop(StopKind::kBoundary);
  st_.cur_insn_clock = s_.clock.now;
  have_cur_insn_ = true;
  if (addr != observed_pass_) [[likely]] {
    observed_addr_ = addr;  // before: an observer that restores a snapshot forgets it
    observed_seq_ = s_.stats.instructions;
    observers_.instruction(addr, s_.clock.now);
    // An observer ended the run (kill), restored a snapshot or stopped it here (a debugger's
    // restart): the instruction never runs.
    if (s_.result || s_.stop_kind != StopKind::kNone) [[unlikely]]
      return;
  }
  observed_pass_ = ~0u;
  s_.clock.now += st_.cur_insn.cycles;
  ++s_.stats.instructions;
  s_.remember(nullptr, 1, addr);
  if (st_.cur_insn.cls == InsnClass::kCondBranch) {
    s_.pend_branch(addr + st_.cur_insn.len, st_.cur_insn.taken_extra);
  } else if (st_.cur_insn.cls == InsnClass::kIret) {
    s_.pend_iret();
  } else if (st_.cur_insn.cls == InsnClass::kRdtsc) {
    st_.rdtsc_after = addr + st_.cur_insn.len;
    st_.rdtsc_value = s_.clock.now;
  }
}

void InsnTiming::retire_current(std::uint32_t next) {
  // The instruction before `next` retired; settle its variable cost (a branch taken or not, an
  // IRET's privilege change) now that where it went is known.
  if (s_.pending != RunState::Pending::kNone) s_.settle_pending_transfer(next);
  if (have_cur_insn_ && st_.cur_insn.cls == InsnClass::kRdtsc && st_.rdtsc_after == next) {
    // Unicorn put the host's TSC in EDX:EAX; the guest reads the cycle clock.
    cpu().set_reg(Reg::kEax, static_cast<std::uint32_t>(st_.rdtsc_value));
    cpu().set_reg(Reg::kEdx, static_cast<std::uint32_t>(st_.rdtsc_value >> 32));
  }
  if (have_cur_insn_ && st_.cur_insn.flushes_tlb) count_tlb_flush();  // it retired
  have_cur_insn_ = false;
}

void InsnTiming::observe_intercepted(const DecodedInsn& insn, std::uint32_t eip) {
  st_.cur_insn = insn;
  st_.cur_writes = kAllFastRegs;  // the recorder reads every register after it
  st_.cur_insn_clock = s_.clock.now;
  observers_.instruction(eip, s_.clock.now);
}

void InsnTiming::rewind_to(std::uint32_t eip) {
  // The instruction at `eip` was charged when its hook ran; it did not retire.
  if (!have_cur_insn_ || st_.cur_insn.addr != eip) return;
  s_.clock.now = st_.cur_insn_clock;
  --s_.stats.instructions;
  s_.pending = RunState::Pending::kNone;
  have_cur_insn_ = false;
}

IoSlot InsnTiming::io_slot() {
  return IoSlot{st_.cur_insn_clock, s_.clock.now, s_.stats.instructions, st_.cur_insn.addr};
}

FaultPoint InsnTiming::rewind_to_fault(std::uint32_t eip, std::uint32_t vector) {
  FaultPoint fp;
  const bool soft = have_cur_insn_ && st_.cur_insn.cls == InsnClass::kSoftInt &&
                    eip == st_.cur_insn.addr + st_.cur_insn.len &&
                    st_.cur_insn.soft_vector == vector;
  if (soft) {
    // Delivery charges the whole INT n; INTO's own 3 cycles are only its not-taken cost.
    s_.clock.now = st_.cur_insn_clock;
    fp.soft = true;
    fp.insn_length = st_.cur_insn.len;
  } else if (have_cur_insn_ && eip == st_.cur_insn.addr) {
    // The faulting instruction did not retire.
    s_.clock.now = st_.cur_insn_clock;
    --s_.stats.instructions;
  } else {
    // The fault is at the next instruction, whose hook never ran: fetching it faulted (an IRET or
    // a jump into a page not present, as every exec in Linux does), or a trap came after the
    // current one. The current instruction retired, its cost by where it went included.
    retire_current(eip);
    return fp;
  }
  s_.pending = RunState::Pending::kNone;
  have_cur_insn_ = false;
  return fp;
}

}  // namespace fs
