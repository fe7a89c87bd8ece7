// Fast mode's timing (emu/timing.hpp): one hook per translated block. The block's instructions are
// decoded once (BlockCache, checked against the live bytes at every execution: code can change
// under the same address) and the whole block is charged when it starts. Where it must not run to
// its end (a device deadline inside it, an interrupt waiting behind an STI, an instruction
// forkscope runs itself, an RDTSC whose result must come from the cycle clock), the hook stops the
// CPU at the block's start, or arms a one-shot stop point at the exact instruction inside it; a
// stop point that fires takes back the instructions that did not retire.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "emu/block_cache.hpp"
#include "emu/code_fetch.hpp"
#include "emu/intercept.hpp"
#include "emu/run_state.hpp"
#include "emu/timing.hpp"

namespace fs {

class BlockTiming final : public Timing {
 public:
  BlockTiming(RunState& s, CodeFetch& code, Intercepts& ix, Decoder& decoder)
      : s_(s), code_(code), ix_(ix), blocks_(decoder) {
    code_.on_generation_wrap([this] { blocks_.clear_front(); });
  }

  UnicornCpu& cpu() { return *s_.cpu; }
  // Unicorn's block hook (CpuHooks::on_block, `self` this timing): the common block inline (known
  // code, no deadline, interrupt or intercept inside it, nothing to settle but a branch), anything
  // else through on_block.
  static void block_hook(void* engine, std::uint64_t addr, std::uint32_t size, void* self) noexcept;
  // The hooks Unicorn calls (on_block through block_hook, on_stop_point, on_rdtsc_site).
  void on_block(std::uint32_t addr, std::uint32_t size);
  void on_stop_point(std::uint32_t addr);
  void code_changed(std::uint32_t addr, std::uint32_t size);
  void on_rdtsc_site(std::uint32_t addr);

  void before_run() override;
  void after_run() override;
  IoSlot io_slot() override;
  FaultPoint rewind_to_fault(std::uint32_t eip, std::uint32_t vector) override;
  void rewind_to(std::uint32_t eip) override;
  void at_breakpoint(std::uint32_t addr) override;

 private:
  // The rare cases of on_block: an RDTSC not yet watched, an interrupt waiting, a deadline at or
  // inside block `b` starting at cycle `base`, an intercepted instruction. True when it stopped
  // the CPU.
  bool stop_in_block(std::uint32_t addr, const Block& b, Cycles base);
  // on_block's common case; false (nothing changed) when on_block must look.
  bool on_block_fast(std::uint32_t addr, std::uint32_t size);
  // The block at `addr` runs from `base`: charged in full now (its cycles, instructions, the
  // history), the rest taken back by on_stop_point or a fault when it stops early.
  void charge(const Block* b, const BlockCache::Summary& sum, Cycles base, std::uint32_t addr);
  bool stop_here(std::uint32_t addr, StopKind k);
  // The block ran only up to instruction k (a stop point, a fault, a data breakpoint).
  void retire_first(std::size_t k) {
    s_.clock.now = base_ + block_->before[k];
    s_.stats.instructions = base_insns_ + k;
  }
  void count_tlb_flush() {
    ++s_.stats.tlb_flushes;
    code_.invalidate();
  }

  RunState& s_;
  CodeFetch& code_;
  Intercepts& ix_;
  BlockCache blocks_;

  // The block running and where it started.
  const Block* block_ = nullptr;
  Cycles base_ = 0;
  std::uint64_t base_insns_ = 0;
  unsigned io_seen_ = 0;  // its I/O instructions that reached a port hook so far

  std::uint32_t stop_block_addr_ = 0;  // when stopped from a block hook (EIP workaround)
  bool stopped_from_block_hook_ = false;
  std::uint32_t arm_addr_ = 0;    // next stop point to arm (StopKind::kArm)
  std::uint32_t armed_addr_ = 0;  // currently armed

  // RDTSC: Unicorn returns the host's TSC; a hook at each RDTSC site (address, length) records the
  // cycle count it must return and the hook right after it writes that into EDX:EAX.
  std::vector<std::pair<std::uint32_t, std::uint8_t>> rdtsc_to_watch_;
  std::vector<std::uint32_t> rdtsc_watched_;
  // WORKAROUND cmpxchg8b lazy flags: (block start, its last CMPXCHG8B) to hook before the next run,
  // and per CMPXCHG8B the lowest block start a hook already covers.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> flags_to_sync_;
  std::unordered_map<std::uint32_t, std::uint32_t> flags_synced_;
  std::uint32_t rdtsc_after_ = 0;  // the address after an RDTSC being executed
  Cycles rdtsc_value_ = 0;
};

}  // namespace fs
