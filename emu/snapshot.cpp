// Machine::snapshot and Machine::restore (emu/snapshot.hpp says what they keep and why).
#include "emu/snapshot.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "emu/machine.hpp"

namespace fs {

// Machine's run-loop state, field for field: what the next hook_insn call reads.
struct SnapshotFields {
  Clock clock;
  MachineStats stats;
  std::uint64_t tlb_flushes = 0;
  Cycles deadline = kNever;
  bool irq_line = false;
  Machine::Pending pending = Machine::Pending::kNone;
  std::uint32_t pending_fallthrough = 0;
  std::uint16_t pending_extra = 0;
  unsigned pending_cpl = 0;
  DecodedInsn cur_insn{};
  RegMask cur_writes = kAllFastRegs;
  Cycles cur_insn_clock = 0;
  std::uint32_t rdtsc_after = 0;
  Cycles rdtsc_value = 0;
  std::string unmapped_why;
  bool unmapped_fetch = false;
  std::uint32_t fetch_limit = 0;
  std::uint32_t exit_value = 0;
  std::array<Machine::Recent, 32> recent{};
  std::size_t recent_pos = 0;
  Machine::Intercept intercept;
  DebugRegisters dr;
  std::uint32_t data_hits = 0;

  static SnapshotFields of(const Machine& m) {
    SnapshotFields f;
    f.clock = m.clock_;
    f.stats = m.stats_;
    f.tlb_flushes = m.tlb_flushes_;
    f.deadline = m.deadline_;
    f.irq_line = m.irq_line_;
    f.pending = m.pending_;
    f.pending_fallthrough = m.pending_fallthrough_;
    f.pending_extra = m.pending_extra_;
    f.pending_cpl = m.pending_cpl_;
    f.cur_insn = m.cur_insn_;
    f.cur_writes = m.cur_writes_;
    f.cur_insn_clock = m.cur_insn_clock_;
    f.rdtsc_after = m.rdtsc_after_;
    f.rdtsc_value = m.rdtsc_value_;
    f.unmapped_why = m.unmapped_why_;
    f.unmapped_fetch = m.unmapped_fetch_;
    f.fetch_limit = m.fetch_limit_;
    f.exit_value = m.exit_value_;
    f.recent = m.recent_;
    f.recent_pos = m.recent_pos_;
    f.intercept = m.intercept_;
    f.dr = m.dr_;
    f.data_hits = m.data_hits_;
    return f;
  }

  void into(Machine& m) const {
    m.clock_ = clock;
    m.stats_ = stats;
    m.tlb_flushes_ = tlb_flushes;
    m.deadline_ = deadline;
    m.irq_line_ = irq_line;
    m.pending_ = pending;
    m.pending_fallthrough_ = pending_fallthrough;
    m.pending_extra_ = pending_extra;
    m.pending_cpl_ = pending_cpl;
    m.cur_insn_ = cur_insn;
    m.cur_writes_ = cur_writes;
    m.cur_insn_clock_ = cur_insn_clock;
    m.rdtsc_after_ = rdtsc_after;
    m.rdtsc_value_ = rdtsc_value;
    m.unmapped_why_ = unmapped_why;
    m.unmapped_fetch_ = unmapped_fetch;
    if (m.fetch_limit_ != fetch_limit) m.cpu_->set_fetch_limit(fetch_limit);
    m.fetch_limit_ = fetch_limit;
    m.exit_value_ = exit_value;
    m.recent_ = recent;
    m.recent_pos_ = recent_pos;
    m.intercept_ = intercept;
    m.dr_ = dr;
    m.data_hits_ = data_hits;
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

void require_observer_point(const Machine& m, bool observing, const char* what) {
  if (!m.options().per_instruction || !observing)
    throw std::logic_error(std::string("Machine::") + what +
                           ": only inside an instruction observer in trace mode");
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

Snapshot Machine::snapshot(const Snapshot* base) const {
  require_observer_point(*this, have_cur_insn_ && !result_, "snapshot");
  Snapshot s;
  s.instructions = stats_.instructions;
  s.cycles = clock_.now;
  s.eip = cur_insn_.addr;
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
  s.pit = pit_.state();
  s.pic_master = pic_.master.state();
  s.pic_slave = pic_.slave.state();
  s.uart = uart_.state();
  s.debug_exit_writes = debug_exit_.writes();
  s.unclaimed_reads = bus_.unclaimed_reads();
  s.unclaimed_writes = bus_.unclaimed_writes();
  s.run_state = std::make_shared<const SnapshotFields>(SnapshotFields::of(*this));
  return s;
}

void Machine::restore(const Snapshot& s) {
  require_observer_point(*this, have_cur_insn_ && !result_, "restore");
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
  pit_.restore(s.pit);
  pic_.master.restore(s.pic_master);
  pic_.slave.restore(s.pic_slave);
  uart_.restore(s.uart);
  debug_exit_.restore_writes(s.debug_exit_writes);
  bus_.restore_unclaimed(s.unclaimed_reads, s.unclaimed_writes);
  s.run_state->into(*this);
  // The boundary the snapshot was taken at had been through hook_insn's checks up to the
  // observers: the next hook_insn call, at the same EIP, must find it so (the previous
  // instruction's variable cost, TLB flush and RDTSC fix-up already settled, an instruction
  // forkscope checks already let pass).
  have_cur_insn_ = false;
  intercept_pass_ = s.eip;
  block_ = nullptr;
  arm_addr_ = 0;
  armed_addr_ = 0;
  code_regs_valid_ = false;
  code_page_valid_ = false;
  sync_breakpoints();  // the data-breakpoint hooks of the restored DR7
  // The CPU last: it stops before the current instruction, which the hook then abandons.
  cpu_->restore_context(s.cpu, std::move(changed));
  request_stop(StopKind::kBoundary);
}

}  // namespace fs
