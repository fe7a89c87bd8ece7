#include "emu/insn_timing.hpp"

#include <algorithm>
#include <cstring>

namespace fs {
namespace {
constexpr std::uint32_t kIF = 1u << 9;
}  // namespace

bool InsnTiming::may_set_if(const DecodedInsn& insn, const std::uint8_t* bytes) {
  // IF is set by STI, POPF and IRET, and loaded by a task switch (a far transfer, writes_system,
  // or INT n through a task gate: delivered by forkscope, after rewind_to_fault) (Intel SDM vol. 2,
  // "Flags Affected" of each; vol. 3A 7.3). Anything not decoded counts as one.
  if (insn.len == 0 || insn.writes_system || insn.cls == InsnClass::kIret ||
      insn.cls == InsnClass::kSoftInt)
    return true;
  std::uint32_t i = 0;
  while (i + 1 < insn.len) {  // skip the prefixes (SDM vol. 2A 2.1.1)
    const std::uint8_t b = bytes[i];
    const bool prefix = b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 ||
                        b == 0x65 || b == 0x66 || b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3;
    if (!prefix) break;
    ++i;
  }
  return bytes[i] == 0xFB || bytes[i] == 0x9D || bytes[i] == 0xCF;  // STI, POPF, IRET
}

void InsnTiming::decode_into(Slot& slot, std::uint32_t addr, const std::uint8_t* bytes,
                             std::uint32_t size) {
  slot.insn = decoder_.decode_one(addr, bytes, size);
  slot.may_set_if = may_set_if(slot.insn, bytes);
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
  const std::size_t at = slot_index(addr);
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

void InsnTiming::insn_hook(void* engine, std::uint64_t addr, std::uint32_t size,
                           void* self) noexcept {
  hot_hook<InsnTiming, &InsnTiming::on_insn>(engine, addr, size, self);
}

void InsnTiming::on_insn(std::uint32_t addr, std::uint32_t size) {
  if (s_.result) return;  // the run has ended; Unicorn is only winding down
  // The instruction before this one hit a data breakpoint: #DB, a trap, comes first (issue 12).
  if (ix_.data_stop()) [[unlikely]]
    return s_.request_stop(StopKind::kBoundary);
  retire_current(addr);
  if (s_.clock.now >= s_.deadline || (s_.irq_line && interrupts_enabled()))
    return s_.request_stop(StopKind::kBoundary);
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
  cur_may_set_if_ = slot.may_set_if;
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
  // The next instruction's slot is most often the one after this instruction's bytes; the cache is
  // larger than the host's caches and its look-up stalled on a miss for half its time (a traced
  // Linux boot): fetch the line while the CPU runs this instruction.
  __builtin_prefetch(&cache_[slot_index(addr + st_.cur_insn.len)]);
}

inline void InsnTiming::retire_current(std::uint32_t next) {
  // The instruction before `next` retired; settle its variable cost (a branch taken or not, an
  // IRET's privilege change) now that where it went is known.
  if (s_.pending != RunState::Pending::kNone) s_.settle_pending_transfer(next);
  if (have_cur_insn_ && st_.cur_insn.cls == InsnClass::kRdtsc && st_.rdtsc_after == next) {
    // Unicorn put the host's TSC in EDX:EAX; the guest reads the cycle clock.
    cpu().set_reg(Reg::kEax, static_cast<std::uint32_t>(st_.rdtsc_value));
    cpu().set_reg(Reg::kEdx, static_cast<std::uint32_t>(st_.rdtsc_value >> 32));
  }
  if (have_cur_insn_ && st_.cur_insn.flushes_tlb) count_tlb_flush();  // it retired
  if (!have_cur_insn_ || cur_may_set_if_) if_clear_ = false;
  have_cur_insn_ = false;
}

bool InsnTiming::interrupts_enabled() {
  if (if_clear_) return false;
  if (!(cpu().reg(Reg::kEflags) & kIF)) {
    if_clear_ = true;
    return false;
  }
  return !cpu().interrupt_shadow();
}

void InsnTiming::observe_intercepted(const DecodedInsn& insn, std::uint32_t eip) {
  st_.cur_insn = insn;
  st_.cur_writes = kAllFastRegs;  // the recorder reads every register after it
  cur_may_set_if_ = true;
  if_clear_ = false;
  st_.cur_insn_clock = s_.clock.now;
  observers_.instruction(eip, s_.clock.now);
}

void InsnTiming::rewind_to(std::uint32_t eip) {
  if_clear_ = false;
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
  if_clear_ = false;  // the delivery writes EFLAGS
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
