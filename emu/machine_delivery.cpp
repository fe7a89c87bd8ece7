// Machine: interrupt and exception delivery through the guest's IDT (emu/interrupt.hpp does the
// protected-mode rules; this file applies the outcome to the CPU and the clock), with the faults
// delivery itself raises, #DF and the triple fault.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>

#include "base/severity.hpp"
#include "emu/machine.hpp"
#include "x86/cycle_table.hpp"

namespace fs {
namespace {

// Guest memory for delivery: linear addresses checked against the guest's page tables when CR0.PG
// is set (emu/paging.cpp's walk: 4 MiB pages when CR4.PSE, the #PF error code of Intel SDM vol. 3A
// 4.6/4.7, CR0.WP for supervisor writes), the accessed/dirty bits set as the CPU sets them (4.8),
// then read or written in RAM at the frame.
class MachineMemory : public GuestMemory {
 public:
  MachineMemory(std::span<std::uint8_t> ram, PagingRegs regs) : ram_(ram), regs_(regs) {}

  // The stores made, for Delivery::writes (the trace records them, issue 15).
  std::vector<MemWrite> stores;

  std::optional<MemFault> read(std::uint32_t lin, void* out, unsigned n, bool sup) override {
    return access(lin, n, false, sup, [&](std::uint32_t phys, unsigned off, unsigned k) {
      std::memcpy(static_cast<std::uint8_t*>(out) + off, ram_.data() + phys, k);
      return true;
    });
  }
  // Frames land on stacks, never on code, so no translated code is dropped (the guest's own
  // stores are Unicorn's to track).
  std::optional<MemFault> write(std::uint32_t lin, const void* in, unsigned n, bool sup) override {
    auto f = access(lin, n, true, sup, [&](std::uint32_t phys, unsigned off, unsigned k) {
      std::memcpy(ram_.data() + phys, static_cast<const std::uint8_t*>(in) + off, k);
      return true;
    });
    if (!f) note_stores(lin, static_cast<const std::uint8_t*>(in), n);
    return f;
  }

 private:
  // Every page the access touches, in order: the first that faults is the #PF (CR2 = the first
  // byte of the access in that page). All pages are checked before any byte moves. A frame beyond
  // RAM is #GP for a read and #SS for a write (the frame write's stack), as before paging.
  template <typename Move>
  std::optional<MemFault> access(std::uint32_t lin, unsigned n, bool write, bool sup, Move move) {
    std::uint32_t phys[2] = {lin, lin};
    unsigned pieces = 0;
    for (std::uint32_t off = 0; off < n; ++pieces) {
      const std::uint32_t addr = lin + off;
      const unsigned k = std::min<std::uint32_t>(n - off, kPageSize - (addr & (kPageSize - 1)));
      if (regs_.enabled()) {
        auto m = walk_page_tables(ram_, regs_.cr3, addr, regs_.pse());
        if (auto code = page_fault_error(m, write, !sup, regs_.wp()))
          return MemFault{kPF, *code, addr};
        phys[pieces] = m->frame | (addr & (kPageSize - 1));
      } else {
        phys[pieces] = addr;
      }
      if (std::uint64_t{phys[pieces]} + k > ram_.size())
        return MemFault{write ? kSS : kGP, 0, addr};
      off += k;
    }
    for (std::uint32_t off = 0, i = 0; off < n; ++i) {
      const std::uint32_t addr = lin + off;
      const unsigned k = std::min<std::uint32_t>(n - off, kPageSize - (addr & (kPageSize - 1)));
      mark_accessed(ram_, regs_, addr, write);
      move(phys[i], off, k);
      off += k;
    }
    return std::nullopt;
  }
  // As the CPU pushes them: dwords from the highest address down (a piece of a frame that a page
  // boundary cut off takes a word, then bytes).
  void note_stores(std::uint32_t lin, const std::uint8_t* in, unsigned n) {
    while (n > 0) {
      const unsigned k = n >= 4 ? 4 : n >= 2 ? 2 : 1;
      n -= k;
      std::uint64_t v = 0;
      for (unsigned i = 0; i < k; ++i) v |= std::uint64_t{in[n + i]} << (8 * i);
      stores.push_back(MemWrite{lin + n, static_cast<std::uint8_t>(k), v});
    }
  }
  std::span<std::uint8_t> ram_;
  PagingRegs regs_;
};

}  // namespace

void Machine::on_guest_store(UnicornCpu::StoreFn fn, void* ctx) {
  FS_ASSERT(opt_.per_instruction, "Machine::on_guest_store outside trace mode");
  cpu_->watch_stores(fn, ctx);
}

void Machine::hook_interrupt(std::uint32_t vector) {
  // Unicorn reports INT n / INT3 / INTO with EIP past the instruction, and CPU faults with EIP on
  // the faulting instruction (UNICORN-NOTES.md). Which one it is, and what retired, the timing
  // knows (it decoded the instructions).
  // The run has ended (a debug-exit OUT, a reset, a fatal stop) and Unicorn is only running the
  // rest of its translated block, which trace mode never runs: an INT or fault there (/init's
  // exit(2) after its OUT) is not delivered or counted.
  if (s_.result) return;
  const std::uint32_t eip = cpu_->reg(Reg::kEip);
  cpu_->clear_exception_in_flight();
  const FaultPoint fp = timing_->rewind_to_fault(eip, vector);
  Event ev;
  ev.vector = static_cast<std::uint8_t>(vector);
  if (fp.soft) {
    ev.kind = DeliveryKind::kSoftware;
    ev.insn_length = fp.insn_length;  // a fault while delivering it is at the INT (issue 12)
  }
  if (ev.kind == DeliveryKind::kException && pushes_error_code(ev.vector)) {
    ev.error_code = cpu_->pending_error_code();
  }
  if (ev.kind == DeliveryKind::kException) note_cpu_exception(ev);  // DR6, IRET's #SS (issue 12)
  deliver(ev, eip);
  if (s_.result) s_.request_stop(StopKind::kFatal);
}

void Machine::deliver(Event ev, std::uint32_t return_eip) {
  MachineMemory mem(ram_, paging_regs());
  std::vector<std::string> chain;
  for (int attempt = 0; attempt < 4; ++attempt) {
    CpuSnapshot s;
    s.eip = return_eip;
    s.eflags = cpu_->reg(Reg::kEflags);
    s.esp = cpu_->reg(Reg::kEsp);
    s.cs = static_cast<std::uint16_t>(cpu_->reg(Reg::kCs));
    s.ss = static_cast<std::uint16_t>(cpu_->reg(Reg::kSs));
    auto g = cpu_->gdtr();
    auto i = cpu_->idtr();
    s.gdt_base = g.base;
    s.gdt_limit = g.limit;
    s.idt_base = i.base;
    s.idt_limit = i.limit;
    s.tr_loaded = (cpu_->tr_selector() & ~3u) != 0;
    s.tr_base = cpu_->tr_base();
    s.tr_limit = cpu_->tr_limit();
    s.tr_selector = static_cast<std::uint16_t>(cpu_->tr_selector());
    chain.push_back(ev.error_code
                        ? fmt::format("{}({:#06x})", vector_mnemonic(ev.vector), *ev.error_code)
                        : (ev.vector < 32 ? std::string(vector_mnemonic(ev.vector))
                                          : fmt::format("INT {:#04x}", ev.vector)));
    DeliveryOutcome o = fs::deliver(s, mem, ev);
    if (o.delivered) {
      const Delivery& d = *o.delivered;
      if (d.stack_switched) {
        cpu_->load_ring0(d.to.cs, d.to.eip, o.ss, o.esp);
      } else {
        cpu_->set_reg(Reg::kEsp, o.esp);
        cpu_->load_cs_eip(d.to.cs, d.to.eip);
      }
      cpu_->set_reg(Reg::kEflags, o.eflags);
      s_.clock.now +=
          cycle_table::int_cycles(d.stack_switched ? cycle_table::Delivery::kToInnerPrivilege
                                                   : cycle_table::Delivery::kSamePrivilege);
      ++s_.stats.interrupts[ev.vector];
      if (!observers_.delivery.empty()) {
        o.delivered->writes = std::move(mem.stores);
        for (auto& f : observers_.delivery) f(*this, *o.delivered);
      }
      return;
    }
    const DeliveryFault& f = *o.fault;
    const std::uint8_t current = ev.vector;
    return_eip = delivery_fault_eip(ev, return_eip);  // INT n's delivery faults are faults
    if (current == kDF) {
      chain.push_back(fmt::format("{}({:#06x}) [{}]", vector_mnemonic(f.fault.vector),
                                  f.fault.error_code, f.why));
      fatal(StopReason::kTripleFault,
            fmt::format("triple fault: {} at {}", fmt::join(chain, " -> "), where(return_eip)));
      return;
    }
    const bool is_exception = ev.kind == DeliveryKind::kException && current < 32;
    if (is_exception && becomes_double_fault(current, f.fault.vector)) {
      chain.back() += fmt::format(" [{}]", f.why);
      chain.push_back(
          fmt::format("{}({:#06x})", vector_mnemonic(f.fault.vector), f.fault.error_code));
      ev = Event{kDF, DeliveryKind::kException, 0u};
    } else {
      chain.back() += fmt::format(" [{}]", f.why);
      ev = Event{f.fault.vector, DeliveryKind::kException, std::nullopt};
      if (pushes_error_code(f.fault.vector)) ev.error_code = f.fault.error_code;
      if (f.fault.vector == kPF) cpu_->set_reg(Reg::kCr2, f.fault.cr2);
    }
  }
  fatal(StopReason::kTripleFault,
        fmt::format("triple fault: {} at {}", fmt::join(chain, " -> "), where(return_eip)));
}

}  // namespace fs
