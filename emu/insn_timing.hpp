// Trace mode's timing (emu/timing.hpp): a hook before every instruction. It settles the previous
// instruction's variable cost, stops the CPU at this boundary when a deadline or an interrupt is
// due, decodes the instruction (cached by address, checked against its live bytes), shows it to
// the instruction observers (the trace recorder, gdb) and charges it.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "emu/block_cache.hpp"
#include "emu/code_fetch.hpp"
#include "emu/hooks.hpp"
#include "emu/intercept.hpp"
#include "emu/run_state.hpp"
#include "emu/timing.hpp"
#include "x86/reg_writes.hpp"

namespace fs {

class InsnTiming final : public Timing {
 public:
  InsnTiming(RunState& s, CodeFetch& code, Intercepts& ix, Decoder& decoder,
             const MachineObservers& observers)
      : s_(s), code_(code), ix_(ix), decoder_(decoder), observers_(observers) {}

  UnicornCpu& cpu() { return *s_.cpu; }
  // The hook Unicorn calls before every instruction (CpuHooks::on_insn): hot_hook over on_insn,
  // in on_insn's file so that the compiler makes the two one function.
  static void insn_hook(void* engine, std::uint64_t addr, std::uint32_t size, void* self) noexcept;
  void on_insn(std::uint32_t addr, std::uint32_t size);
  // An instruction forkscope runs itself (emu/machine_intercept.cpp) at `eip`: the observers see
  // it as they see every other one.
  void observe_intercepted(const DecodedInsn& insn, std::uint32_t eip);

  // The CPU stopped before the current instruction without running it (a debugger moved EIP or
  // changed watchpoints; Machine::apply_restart): when it runs at `addr` next, its observers have
  // seen it already (~0u: none).
  void restarted(std::uint32_t addr) {
    observed_pass_ = addr;
    have_cur_insn_ = false;
    if_clear_ = false;
  }
  // Whether the observers have seen the boundary at `addr` the CPU stands at (not when a snapshot
  // was restored since: its first boundary is new to them).
  bool observed_here(std::uint32_t addr) const {
    return observed_addr_ == addr && observed_seq_ == s_.stats.instructions;
  }
  // The instruction about to retire, and which of EAX..EDI and EFLAGS it may write.
  const DecodedInsn& current() const { return st_.cur_insn; }
  RegMask current_writes() const { return st_.cur_writes; }

  // What a machine snapshot keeps of this timing (emu/snapshot.cpp): the instruction in flight and
  // the RDTSC fix-up pending. The decode cache is not state: it checks the live bytes at every use.
  struct State {
    DecodedInsn cur_insn{};
    RegMask cur_writes = kAllFastRegs;
    Cycles cur_insn_clock = 0;      // the clock at the current instruction's start
    std::uint32_t rdtsc_after = 0;  // the address after an RDTSC being executed
    Cycles rdtsc_value = 0;         // ...and the cycle count it returns
  };
  const State& state() const { return st_; }
  // Back to a snapshot's boundary, which the instruction hook will show to the observers again.
  void restore(const State& st) {
    st_ = st;
    have_cur_insn_ = false;
    if_clear_ = false;
    observed_addr_ = ~0u;  // the restored boundary is new to the observers
  }
  // Inside the instruction observers (a snapshot may be taken or restored there).
  bool observing() const { return have_cur_insn_; }

  void before_run() override { if_clear_ = false; }
  void at_breakpoint(std::uint32_t) override { if_clear_ = false; }
  IoSlot io_slot() override;
  FaultPoint rewind_to_fault(std::uint32_t eip, std::uint32_t vector) override;
  void rewind_to(std::uint32_t eip) override;

 private:
  // Decoded instructions by address, each checked against the live bytes (code can change under
  // the same address): the first `size` bytes (as Unicorn reports the instruction's size), as
  // little-endian words zero past `size`: the first 8 in the slot, the rest (instructions longer
  // than 8 bytes) in hi_. Half a cache line each.
  struct alignas(32) Slot {
    std::uint32_t addr = ~0u;
    std::uint8_t size = 0;
    bool may_set_if = true;  // may_set_if()
    RegMask writes = kAllFastRegs;
    DecodedInsn insn;
    std::uint64_t lo = 0;
  };
  // The current instruction retired and the CPU goes on at `next`: its variable cost, RDTSC's
  // result and TLB flush.
  [[gnu::always_inline]] inline void retire_current(std::uint32_t next);
  // Whether the PIC's interrupt can be taken at this boundary: IF=1 and no STI/MOV SS shadow.
  bool interrupts_enabled();
  static bool may_set_if(const DecodedInsn& insn, const std::uint8_t* bytes);
  std::size_t slot_index(std::uint32_t addr) const {
    return (addr ^ (addr >> 12)) & (cache_.size() - 1);
  }
  const Slot& lookup(std::uint32_t addr, std::uint32_t size, const std::uint8_t* code,
                     bool& changed);
  void decode_into(Slot& slot, std::uint32_t addr, const std::uint8_t* bytes, std::uint32_t size);
  void count_tlb_flush() {
    ++s_.stats.tlb_flushes;
    code_.invalidate();
  }

  RunState& s_;
  CodeFetch& code_;
  Intercepts& ix_;
  Decoder& decoder_;
  const MachineObservers& observers_;

  // 256 Ki slots (8 MiB): Linux 6.1's boot runs about 200 000 distinct instruction addresses; with
  // 16 Ki slots 1 % of its instructions missed (3 M decodes and seen_ lookups, 10 % of a traced
  // boot's user time), with 256 Ki fewer than 1 M (a traced boot: 34.4 s -> 26.6 s user).
  std::vector<Slot> cache_ = std::vector<Slot>(1u << 18);
  std::vector<std::uint64_t> hi_ = std::vector<std::uint64_t>(1u << 18);
  // The bytes each address last ran (its first 16 at most), which outlive the cache's slots: a
  // change of code is noticed even when the address's slot was taken by another meanwhile.
  struct Seen {
    std::uint8_t size = 0;
    std::uint64_t lo = 0, hi = 0;
  };
  std::unordered_map<std::uint32_t, Seen> seen_;
  std::unique_ptr<RegWriteSets> write_sets_;

  State st_;
  bool have_cur_insn_ = false;
  // IF was 0 when last read, and every instruction retired since is one that cannot set it (the
  // current one is cur_may_set_if_'s): while the kernel runs with interrupts off and an IRQ
  // pending, EFLAGS (which Unicorn computes from its lazy flags) is not read at every boundary.
  // Forgotten whenever the CPU stops, faults or is moved: the host may have written EFLAGS.
  bool if_clear_ = false;
  bool cur_may_set_if_ = true;
  std::uint32_t observed_pass_ = ~0u;  // restarted(): its observers are not called again
  std::uint32_t observed_addr_ = ~0u;  // the last boundary the observers were called at...
  std::uint64_t observed_seq_ = 0;     // ...and the instruction count there
};

}  // namespace fs
