#include "emu/block_timing.hpp"

#include <algorithm>

namespace fs {
namespace {
constexpr std::uint32_t kIF = 1u << 9;
}  // namespace

[[gnu::always_inline]] inline void BlockTiming::charge(const Block* b,
                                                       const BlockCache::Summary& sum, Cycles base,
                                                       std::uint32_t addr) {
  block_ = b;
  base_ = base;
  base_insns_ = s_.stats.instructions;
  io_seen_ = 0;
  s_.clock.now = base + sum.total;
  s_.stats.instructions += sum.insns;
  ++s_.stats.blocks;
  s_.remember(b, sum.insns, addr);
}

[[gnu::always_inline]] inline bool BlockTiming::on_block_fast(std::uint32_t addr,
                                                              std::uint32_t size) {
  // The same as on_block when none of its rare cases applies, in an order that reads a few cache
  // lines (RunState's head, the cache slot, the code) and writes nothing before it is sure. A new
  // case in on_block must make this return false too (here, or as a slot's `rare` flag).
  RunState& s = s_;
  if (s.irq_line || s.stop_kind != StopKind::kNone || ix_.insn_breakpoints ||
      s.pending == RunState::Pending::kIret) [[unlikely]]
    return false;
  const BlockCache::Hit hit = blocks_.probe(addr, size, code_.generation());
  if (!hit.block) [[unlikely]]
    return false;
  const BlockCache::Summary& sum = *hit.summary;
  Cycles base = s.clock.now;
  if (s.pending == RunState::Pending::kBranch && addr != s.pending_fallthrough)
    base += s.pending_extra;
  if (sum.rare || sum.end == BlockCache::Summary::End::kIret || s.deadline < base + sum.total)
      [[unlikely]]
    return false;
  s.pending = RunState::Pending::kNone;
  charge(hit.block, sum, base, addr);
  if (sum.end == BlockCache::Summary::End::kBranch) s.pend_branch(addr + size, sum.taken_extra);
  return true;
}

namespace {
// The rest of block_hook, out of line so that the common case needs no callee-saved register.
[[gnu::noinline]] void block_hook_slow(void* engine, std::uint64_t addr, std::uint32_t size,
                                       void* self) noexcept {
  hot_hook<BlockTiming, &BlockTiming::on_block>(engine, addr, size, self);
}
}  // namespace

void BlockTiming::block_hook(void* engine, std::uint64_t addr, std::uint32_t size,
                             void* self) noexcept {
  // No check of failed() or of a result here: both come with uc_emu_stop, after which Unicorn
  // calls no hook until the next run (helper_uc_tracecode tests stop_request first).
  if (static_cast<BlockTiming*>(self)->on_block_fast(static_cast<std::uint32_t>(addr), size))
      [[likely]]
    return;
  block_hook_slow(engine, addr, size, self);
}

void BlockTiming::on_block(std::uint32_t addr, std::uint32_t size) {
  if (s_.result) [[unlikely]]
    return;  // the run has ended; Unicorn is only winding down
  if (s_.pending != RunState::Pending::kNone) s_.settle_pending_transfer(addr);
  // The hot path reads the block's summary only; the Block itself when it must stop inside it.
  const std::uint8_t* live = code_.bytes(addr, size);
  const BlockCache::Hit hit = blocks_.get(addr, size, live, code_.generation_of(live));
  if (hit.changed) [[unlikely]]
    return code_changed(addr, size);
  const BlockCache::Summary& sum = *hit.summary;
  const Cycles base = s_.clock.now;
  // RDTSC sites get their fix-up hooks before the block first runs; an interrupt waiting for IF
  // (IF changes only at the end of a translated block: STI, POPF and IRET end one in QEMU, so block
  // starts are the boundaries to look at); a device deadline at or inside the block.
  // Issue 12: also a block with an instruction forkscope checks or runs itself, or any block while
  // an instruction breakpoint is enabled (emu/intercept.hpp).
  const Block& b = *hit.block;
  if (b.has_rdtsc || b.last_cmpxchg8b != 0 || (s_.irq_line && (cpu().reg(Reg::kEflags) & kIF)) ||
      s_.deadline < base + sum.total || b.checked_at_boundary || ix_.insn_breakpoints)
      [[unlikely]] {
    if (stop_in_block(addr, b, base)) return;
  }
  // A CR0/CR3/CR4 load or INVLPG ends its translated block in QEMU: it is the block's last
  // instruction, and it retires when the block does (on_stop_point and the fault paths take it
  // back when it does not).
  if (b.flushes_tlb) count_tlb_flush();
  charge(hit.block, sum, base, addr);
  if (sum.end == BlockCache::Summary::End::kBranch) {
    const DecodedInsn& last = b.insns.back();
    s_.pend_branch(last.addr + last.len, sum.taken_extra);
  } else if (sum.end == BlockCache::Summary::End::kIret) {
    s_.pend_iret();
  }
}

void BlockTiming::code_changed(std::uint32_t addr, std::uint32_t size) {
  // WORKAROUND(unicorn 2.1.1) stale code after a write through another mapping: Unicorn drops a
  // translated block when its code is written through the mapping it runs from, but after the
  // first such drop it can miss a second write that comes through another linear mapping of the
  // same frame (Linux's text_poke maps the page it patches at a second address): the old
  // translation runs on. The block cache compares the live bytes on every run, so a block whose
  // code changed since it last ran is dropped here and run again from its start, translated anew.
  // Pinned by tests/machine/smc_alias.S.
  cpu().invalidate_code(addr, addr + size);
  stop_here(addr, StopKind::kBoundary);
}

bool BlockTiming::stop_here(std::uint32_t addr, StopKind k) {
  stop_block_addr_ = addr;
  stopped_from_block_hook_ = true;
  block_ = nullptr;
  s_.request_stop(k);
  return true;
}

bool BlockTiming::stop_in_block(std::uint32_t addr, const Block& b, Cycles base) {
  if (b.has_rdtsc) {
    bool all = true;
    for (const auto& in : b.insns) {
      if (in.cls != InsnClass::kRdtsc) continue;
      if (std::find(rdtsc_watched_.begin(), rdtsc_watched_.end(), in.addr) ==
          rdtsc_watched_.end()) {
        rdtsc_to_watch_.emplace_back(in.addr, in.len);
        all = false;
      }
    }
    if (!all) return stop_here(addr, StopKind::kBoundary);
  }
  // WORKAROUND(unicorn 2.1.1) cmpxchg8b lazy flags: a block with a CMPXCHG8B runs only once a
  // flag-syncing hook covers it from its start (UnicornCpu::sync_flags_through says why).
  if (b.last_cmpxchg8b != 0) {
    const auto it = flags_synced_.find(b.last_cmpxchg8b);
    if (it == flags_synced_.end() || it->second > addr) {
      flags_to_sync_.emplace_back(addr, b.last_cmpxchg8b);
      return stop_here(addr, StopKind::kBoundary);
    }
  }
  if (s_.irq_line && (cpu().reg(Reg::kEflags) & kIF)) {
    if (!cpu().interrupt_shadow()) return stop_here(addr, StopKind::kBoundary);
    if (b.insns.size() > 1 && armed_addr_ != b.insns[1].addr) {
      arm_addr_ = b.insns[1].addr;
      return stop_here(addr, StopKind::kArm);
    }
  }
  if (s_.deadline <= base) return stop_here(addr, StopKind::kBoundary);
  // A stop point armed at or before instruction k of this block (one stop point at a time: the
  // earliest wins, the later reason is met again at the next block).
  auto armed_by = [&](std::size_t k) {
    const int at = armed_addr_ ? b.index_of(armed_addr_) : -1;
    return at >= 0 && static_cast<std::size_t>(at) <= k;
  };
  if (s_.deadline < base + b.total()) {
    // The deadline falls inside this block: stop exactly before the first instruction at or after
    // it.
    std::size_t k = 1;
    while (k < b.insns.size() && base + b.before[k] < s_.deadline) ++k;
    if (k < b.insns.size() && !armed_by(k)) {
      arm_addr_ = b.insns[k].addr;
      return stop_here(addr, StopKind::kArm);
    }
  }
  // Issue 12: an instruction forkscope checks or runs itself stops the CPU right before it.
  if (const int k = ix_.first_in(cpu(), b); k >= 0) {
    if (k == 0) return stop_here(addr, StopKind::kBoundary);
    if (!armed_by(static_cast<std::size_t>(k))) {
      arm_addr_ = b.insns[k].addr;
      return stop_here(addr, StopKind::kArm);
    }
  }
  ix_.pass = ~0u;  // the block runs: an instruction let pass at its start runs now
  return false;
}

void BlockTiming::on_stop_point(std::uint32_t addr) {
  if (!block_) return;
  const int k = block_->index_of(addr);
  if (k < 0) return;
  // The block was charged in full at its start; only the first k instructions retired.
  if (block_->flushes_tlb) --s_.stats.tlb_flushes;
  retire_first(static_cast<std::size_t>(k));
  s_.last_remembered().executed = static_cast<std::uint32_t>(k);
  s_.pending = RunState::Pending::kNone;
  block_ = nullptr;
  s_.request_stop(StopKind::kBoundary);
}

void BlockTiming::on_rdtsc_site(std::uint32_t addr) {
  // The hook at an RDTSC records the cycle count it must return (its retirement time); the hook at
  // the next address writes it over the host TSC Unicorn put in EDX:EAX.
  if (block_) {
    const int k = block_->index_of(addr);
    if (k >= 0 && block_->insns[k].cls == InsnClass::kRdtsc) {
      rdtsc_after_ = addr + block_->insns[k].len;
      rdtsc_value_ = base_ + block_->before[k + 1];
      return;
    }
  }
  if (rdtsc_after_ == addr) {
    cpu().set_reg(Reg::kEax, static_cast<std::uint32_t>(rdtsc_value_));
    cpu().set_reg(Reg::kEdx, static_cast<std::uint32_t>(rdtsc_value_ >> 32));
    rdtsc_after_ = 0;
  }
}

void BlockTiming::at_breakpoint(std::uint32_t addr) {
  // A breakpoint right after an RDTSC must see the cycle count, whichever hook Unicorn calls
  // first.
  if (rdtsc_after_ == addr) on_rdtsc_site(addr);
}

void BlockTiming::before_run() {
  if (s_.stop_kind == StopKind::kArm || arm_addr_ != 0) {
    if (armed_addr_ != arm_addr_) {
      cpu().arm_stop_at(arm_addr_);
      armed_addr_ = arm_addr_;
      ++s_.stats.stop_points;
    }
    arm_addr_ = 0;
  }
  for (auto [a, len] : rdtsc_to_watch_) {
    cpu().watch_rdtsc(a, len);
    rdtsc_watched_.push_back(a);
  }
  rdtsc_to_watch_.clear();
  for (auto [from, to] : flags_to_sync_) {
    cpu().sync_flags_through(from, to);
    auto [it, fresh] = flags_synced_.emplace(to, from);
    if (!fresh) it->second = std::min(it->second, from);
  }
  flags_to_sync_.clear();
  stopped_from_block_hook_ = false;
  block_ = nullptr;
}

void BlockTiming::after_run() {
  // WORKAROUND(unicorn 2.0.1-2.1.1): after uc_emu_stop from a block hook, EIP is stale when any
  // code hook exists (it holds the last code-hooked address) although the CPU stopped exactly at
  // the block's start; restore it. Pinned by "unicorn: block-hook stop leaves EIP stale when a
  // code hook exists".
  if (stopped_from_block_hook_) cpu().set_reg(Reg::kEip, stop_block_addr_);
  if (armed_addr_ != 0 && s_.stop_kind != StopKind::kArm) {
    cpu().disarm_stop();
    armed_addr_ = 0;
  }
}

IoSlot BlockTiming::io_slot() {
  IoSlot slot{s_.clock.now, s_.clock.now, s_.stats.instructions, 0};
  if (!block_) return slot;
  // The n-th I/O callback of a block belongs to its n-th I/O instruction (REP INS/OUTS iterate as
  // separate executions of a one-instruction block in QEMU, so the count restarts).
  const unsigned nth = io_seen_++;
  unsigned seen = 0;
  for (std::size_t i = 0; i < block_->insns.size(); ++i) {
    if (block_->insns[i].cls != InsnClass::kIo) continue;
    if (seen++ == nth) {
      slot.insn_addr = block_->insns[i].addr;
      slot.retire_clock = base_ + block_->before[i + 1];
      slot.retire_insns = base_insns_ + i + 1;
      slot.start = base_ + block_->before[i];
      return slot;
    }
  }
  return slot;
}

FaultPoint BlockTiming::rewind_to_fault(std::uint32_t eip, std::uint32_t vector) {
  FaultPoint fp;
  if (!block_) return fp;
  // INT n and INT3 end their translated block; INTO does not (QEMU raises #OF from a helper
  // mid-block), so the software interrupt is the instruction just before EIP, wherever it is.
  const auto& insns = block_->insns;
  const int at_eip = block_->index_of(eip);
  const int before_eip = at_eip > 0 ? at_eip - 1
                         : !insns.empty() && eip == insns.back().addr + insns.back().len
                             ? static_cast<int>(insns.size()) - 1
                             : -1;
  const bool soft = before_eip >= 0 && insns[before_eip].cls == InsnClass::kSoftInt &&
                    insns[before_eip].soft_vector == vector;
  const int k = soft ? before_eip : at_eip;
  if (soft) {
    fp.soft = true;
    fp.insn_length = insns[before_eip].len;
  }
  if (k >= 0) {
    // The clock stands before instruction k: a fault did not retire, and delivery charges the
    // whole INT n, which did.
    if (block_->flushes_tlb) --s_.stats.tlb_flushes;  // the fault or INT n is before its end
    s_.clock.now = base_ + block_->before[k];
    s_.stats.instructions = base_insns_ + k + (soft ? 1 : 0);
    s_.last_remembered().executed = static_cast<std::uint32_t>(k + 1);
    s_.pending = RunState::Pending::kNone;
  } else {
    // EIP is past the block: the whole block retired and fetching the next instruction faulted
    // (an IRET or a jump into a page not present, as every exec in Linux does), or a trap came
    // after it. Its last transfer's cost goes by where it went, as at the next block's start.
    s_.settle_pending_transfer(eip);
    if (rdtsc_after_ == eip) on_rdtsc_site(eip);
  }
  block_ = nullptr;
  return fp;
}

void BlockTiming::rewind_to(std::uint32_t eip) {
  // Fast mode charged the whole block at its start; only the instructions before EIP retired.
  if (!block_) return;
  if (const int k = block_->index_of(eip); k >= 0) {
    if (block_->flushes_tlb) --s_.stats.tlb_flushes;  // the flushing instruction ends the block
    retire_first(static_cast<std::size_t>(k));
    s_.last_remembered().executed = static_cast<std::uint32_t>(k);
    s_.pending = RunState::Pending::kNone;
  }
  block_ = nullptr;
}

}  // namespace fs
