// Machine::snapshot and Machine::restore (emu/snapshot.hpp says what they keep and why).
#include "emu/snapshot.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "emu/machine.hpp"

namespace fs {

// Machine's run-loop state: what the next instruction hook reads.
struct SnapshotFields {
  RunState run;  // clock, stats, deadline, INT line, pending transfer cost, recent code
  DebugRegisters dr;
  std::uint32_t data_hits = 0;
  Intercept intercept;
  InsnTiming::State timing;  // the current instruction and the RDTSC fix-up in flight
  IoSlot io;
  std::string unmapped_why;
  bool unmapped_fetch = false;
  std::uint32_t fetch_limit = 0;

  static SnapshotFields of(const Machine& m) {
    SnapshotFields f;
    f.run = m.s_;
    f.dr = m.ix_.dr;
    f.data_hits = m.ix_.data_hits;
    f.intercept = m.ix_.pending;
    f.timing = m.insn_timing_->state();
    f.io = m.io_;
    f.unmapped_why = m.unmapped_why_;
    f.unmapped_fetch = m.unmapped_fetch_;
    f.fetch_limit = m.fetch_limit_;
    return f;
  }

  // Into `m`, as the boundary of `eip` was when the snapshot was taken: it had been through the
  // instruction hook's checks up to the observers, so the next hook call there must find it so
  // (the previous instruction's variable cost, TLB flush and RDTSC fix-up already settled, an
  // instruction forkscope checks already let pass).
  void into(Machine& m, std::uint32_t eip) const {
    UnicornCpu* cpu = m.s_.cpu;
    const Cycles max_cycles = m.s_.max_cycles;
    m.s_ = run;
    m.s_.cpu = cpu;
    m.s_.max_cycles = max_cycles;
    m.ix_.dr = dr;
    m.ix_.data_hits = data_hits;
    m.ix_.pending = intercept;
    m.ix_.pass = eip;
    m.insn_timing_->restore(timing);
    m.io_ = io;
    m.unmapped_why_ = unmapped_why;
    m.unmapped_fetch_ = unmapped_fetch;
    if (m.fetch_limit_ != fetch_limit) m.cpu_->set_fetch_limit(fetch_limit);
    m.fetch_limit_ = fetch_limit;
    m.code_.invalidate();  // the paging registers come back with the CPU
    m.sync_breakpoints();  // the data-breakpoint hooks of the restored DR7
  }
};

namespace {

const RamPage kZeroPage{};

const std::uint8_t* page_bytes(const std::shared_ptr<const RamPage>& p) {
  return p ? p->data() : kZeroPage.data();
}

// RAM is a whole number of 4 KiB pages (emu/ram_size.hpp: kRamGranule).
std::size_t page_count(std::size_t ram_bytes) {
  return ram_bytes / kSnapshotPageSize;
}

}  // namespace

std::size_t Snapshot::own_bytes() const {
  return fresh_pages * sizeof(RamPage) + ram.size() * sizeof(ram[0]) + cpu.bytes.size() +
         sizeof(Snapshot) + sizeof(SnapshotFields);
}

std::optional<std::size_t> first_differing_page(const Snapshot& s,
                                                std::span<const std::uint8_t> live) {
  if (page_count(live.size()) != s.ram.size()) return 0;
  for (std::size_t i = 0; i < s.ram.size(); ++i) {
    if (std::memcmp(live.data() + i * kSnapshotPageSize, page_bytes(s.ram[i]), kSnapshotPageSize))
      return i;
  }
  return std::nullopt;
}

bool Machine::at_snapshot_point() const {
  // Inside an instruction observer called by the instruction hook (not for an instruction the run
  // loop runs itself, emu/machine_intercept.cpp: the CPU is not running there to be stopped).
  return insn_timing_ && insn_timing_->observing() && !s_.result && s_.stop_kind == StopKind::kNone;
}

Snapshot Machine::snapshot(const Snapshot* base) const {
  if (!at_snapshot_point())
    throw std::logic_error("Machine::snapshot: only inside an instruction observer in trace mode");
  Snapshot s;
  s.instructions = s_.stats.instructions;
  s.cycles = s_.clock.now;
  s.eip = insn_timing_->current().addr;
  s.cpu = cpu_->save_context();
  const std::size_t n = page_count(ram_.size());
  if (base && base->ram.size() != n) base = nullptr;
  s.ram.resize(n);
  const std::vector<bool> touched = ram_.touched_pages();
  for (std::size_t i = 0; i < n; ++i) {
    if (!touched[i]) continue;  // never given a frame: zero
    const std::uint8_t* live = ram_.data() + i * kSnapshotPageSize;
    // Unchanged since `base`: share its page (or its zero page).
    if (base && !std::memcmp(live, page_bytes(base->ram[i]), kSnapshotPageSize)) {
      s.ram[i] = base->ram[i];
      continue;
    }
    if (!std::memcmp(live, kZeroPage.data(), kSnapshotPageSize)) continue;
    auto page = std::make_shared<RamPage>();
    std::memcpy(page->data(), live, kSnapshotPageSize);
    s.ram[i] = std::move(page);
    ++s.fresh_pages;
  }
  s.board = board_.state();
  s.run_state = std::make_shared<const SnapshotFields>(SnapshotFields::of(*this));
  return s;
}

void Machine::restore(const Snapshot& s) {
  if (!at_snapshot_point())
    throw std::logic_error("Machine::restore: only inside an instruction observer in trace mode");
  if (s.ram.size() != page_count(ram_.size()) || !s.run_state)
    throw std::logic_error("Machine::restore: a snapshot of another machine");
  std::vector<std::uint32_t> changed;  // code translated from these pages is stale
  const std::vector<bool> touched = ram_.touched_pages();
  for (std::size_t i = 0; i < s.ram.size(); ++i) {
    if (!touched[i] && !s.ram[i]) continue;  // zero, and to stay zero
    std::uint8_t* live = ram_.data() + i * kSnapshotPageSize;
    const std::uint8_t* want = page_bytes(s.ram[i]);
    if (!std::memcmp(live, want, kSnapshotPageSize)) continue;
    std::memcpy(live, want, kSnapshotPageSize);
    changed.push_back(static_cast<std::uint32_t>(i * kSnapshotPageSize));
  }
  board_.restore(s.board);
  s.run_state->into(*this, s.eip);
  // The CPU last: it stops before the current instruction, which the hook then abandons.
  cpu_->restore_context(s.cpu, std::move(changed));
  s_.request_stop(StopKind::kBoundary);
}

}  // namespace fs
