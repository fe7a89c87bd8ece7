#include "emu/interrupt.hpp"

#include <fmt/format.h>

#include <cstring>

namespace fs {
namespace {

// EFLAGS bits (SDM vol. 1 3.4.3).
constexpr std::uint32_t kTF = 1u << 8, kIF = 1u << 9, kNT = 1u << 14, kRF = 1u << 16,
                        kVM = 1u << 17;

// Error code for a fault about an IDT entry (SDM vol. 3A 6.13): index << 3 | IDT bit (2) | EXT (1).
std::uint32_t idt_error(std::uint8_t vector, bool ext) {
  return (vector << 3) | 2u | (ext ? 1u : 0u);
}
std::uint32_t sel_error(std::uint16_t sel, bool ext) {
  return (sel & 0xFFFCu) | (ext ? 1u : 0u);
}

DeliveryOutcome fail(std::uint8_t vector, std::uint32_t code, std::string why) {
  DeliveryOutcome o;
  o.fault = DeliveryFault{MemFault{vector, code, 0}, std::move(why)};
  return o;
}

// Writes `frame` (low to high) below the stack pointer frame_at + 4 * size as the CPU pushes it:
// the highest word first, a page at a time. A page that faults stops it: a #PF names the first word
// pushed into that page (its highest), as the push of that word is what faults.
std::optional<MemFault> push_frame(GuestMemory& mem, std::uint32_t frame_at,
                                   const std::vector<std::uint32_t>& frame) {
  constexpr std::uint32_t kPage = 4096;
  const auto* data = reinterpret_cast<const std::uint8_t*>(frame.data());
  std::uint32_t hi = frame_at + static_cast<std::uint32_t>(frame.size() * 4);
  while (hi != frame_at) {
    const std::uint32_t page = (hi - 1) & ~(kPage - 1);
    const std::uint32_t lo = page - frame_at < hi - frame_at ? page : frame_at;
    if (auto f = mem.write(lo, data + (lo - frame_at), hi - lo, true)) {
      if (f->vector == kPF) f->cr2 = hi - lo >= 4 ? hi - 4 : lo;
      return f;
    }
    hi = lo;
  }
  return std::nullopt;
}

}  // namespace

bool pushes_error_code(std::uint8_t v) {
  return v == kDF || (v >= kTS && v <= kPF) || v == kAC;
}

SegmentDescriptor decode_segment(std::uint64_t raw) {
  // SDM vol. 3A 3.4.5 figure 3-8.
  SegmentDescriptor d;
  d.base = static_cast<std::uint32_t>(((raw >> 16) & 0xFFFFFF) | ((raw >> 32) & 0xFF000000));
  std::uint32_t limit = static_cast<std::uint32_t>((raw & 0xFFFF) | ((raw >> 32) & 0xF0000));
  bool g = (raw >> 55) & 1;
  d.limit = g ? (limit << 12) | 0xFFF : limit;
  d.type = (raw >> 40) & 0xF;
  d.system = !((raw >> 44) & 1);
  d.dpl = (raw >> 45) & 3;
  d.present = (raw >> 47) & 1;
  d.big = (raw >> 54) & 1;
  return d;
}

GateDescriptor decode_gate(std::uint64_t raw) {
  // SDM vol. 3A 6.11 figure 6-2.
  GateDescriptor g;
  g.offset = static_cast<std::uint32_t>((raw & 0xFFFF) | ((raw >> 32) & 0xFFFF0000));
  g.selector = static_cast<std::uint16_t>(raw >> 16);
  g.type = (raw >> 40) & 0xF;
  g.dpl = (raw >> 45) & 3;
  g.present = (raw >> 47) & 1;
  return g;
}

std::uint64_t encode_gate(const GateDescriptor& g) {
  return (g.offset & 0xFFFFull) | (std::uint64_t{g.selector} << 16) |
         (std::uint64_t{g.type & 0xFu} << 40) | (std::uint64_t{g.dpl & 3u} << 45) |
         (std::uint64_t{g.present} << 47) | (std::uint64_t{g.offset & 0xFFFF0000u} << 32);
}

std::uint32_t delivery_fault_eip(const Event& ev, std::uint32_t return_eip) {
  return ev.kind == DeliveryKind::kSoftware ? return_eip - ev.insn_length : return_eip;
}

bool external_event(const Event& ev) {
  return ev.kind != DeliveryKind::kSoftware;
}

bool becomes_double_fault(std::uint8_t first, std::uint8_t second) {
  // Table 6-5: contributory = #DE, #TS, #NP, #SS, #GP; page fault class = #PF.
  auto contributory = [](std::uint8_t v) { return v == kDE || (v >= kTS && v <= kGP); };
  if (contributory(first)) return contributory(second);
  if (first == kPF) return contributory(second) || second == kPF;
  return false;
}

DeliveryOutcome deliver(const CpuSnapshot& cpu, GuestMemory& mem, const Event& ev) {
  const bool ext = external_event(ev);
  const std::uint8_t v = ev.vector;

  // 1. The gate (6.10, 6.11).
  if (std::uint32_t{v} * 8 + 7 > cpu.idt_limit) {
    return fail(kGP, idt_error(v, ext),
                fmt::format("vector {:#04x} beyond IDT limit {:#06x}", v, cpu.idt_limit));
  }
  std::uint64_t raw_gate = 0;
  if (auto f = mem.read(cpu.idt_base + v * 8u, &raw_gate, 8, true)) {
    DeliveryOutcome o;
    o.fault = DeliveryFault{*f, fmt::format("reading IDT entry {:#04x}", v)};
    return o;
  }
  GateDescriptor gate = decode_gate(raw_gate);
  if (gate.type == 0x5) {
    return fail(kGP, idt_error(v, ext),
                fmt::format("vector {:#04x}: task gates are not modelled", v));
  }
  if (!gate.is_interrupt_gate() && !gate.is_trap_gate()) {
    return fail(kGP, idt_error(v, ext),
                fmt::format("vector {:#04x}: IDT entry type {:#x} is not a gate", v, gate.type));
  }
  // 6.12.1.1: INT n / INT3 / INTO check the gate's DPL against CPL; hardware events do not.
  if (ev.kind == DeliveryKind::kSoftware && gate.dpl < cpu.cpl()) {
    return fail(
        kGP, idt_error(v, false),
        fmt::format("INT {:#04x} from CPL {} through a DPL {} gate", v, cpu.cpl(), gate.dpl));
  }
  if (!gate.present) {
    return fail(kNP, idt_error(v, ext), fmt::format("gate {:#04x} not present", v));
  }
  if (!gate.is_32bit()) {
    return fail(kGP, idt_error(v, ext),
                fmt::format("vector {:#04x}: 16-bit gates are not modelled", v));
  }

  // 2. The handler's code segment (6.12.1).
  const std::uint16_t sel = gate.selector;
  if ((sel & 0xFFFC) == 0) return fail(kGP, ext ? 1u : 0u, "gate selector is null");
  if (sel & 4) return fail(kGP, sel_error(sel, ext), "LDT selectors are not modelled");
  if ((sel | 7u) > cpu.gdt_limit) {
    return fail(kGP, sel_error(sel, ext), fmt::format("selector {:#06x} beyond GDT limit", sel));
  }
  std::uint64_t raw_cs = 0;
  if (auto f = mem.read(cpu.gdt_base + (sel & ~7u), &raw_cs, 8, true)) {
    DeliveryOutcome o;
    o.fault = DeliveryFault{*f, "reading the handler's code descriptor"};
    return o;
  }
  SegmentDescriptor code = decode_segment(raw_cs);
  if (!code.is_code() || code.dpl > cpu.cpl()) {
    return fail(kGP, sel_error(sel, ext),
                fmt::format("selector {:#06x} is not a code segment at DPL <= CPL", sel));
  }
  if (!code.present) return fail(kNP, sel_error(sel, ext), "handler code segment not present");

  Delivery d;
  d.vector = v;
  d.kind = ev.kind;
  d.has_error_code = ev.error_code.has_value();
  d.error_code = ev.error_code.value_or(0);
  d.from = {cpu.cs, cpu.eip};
  d.to.cs =
      static_cast<std::uint16_t>((sel & ~3u) | (code.is_conforming_code() ? cpu.cpl() : code.dpl));
  d.to.eip = gate.offset;
  const unsigned new_cpl = code.is_conforming_code() ? cpu.cpl() : code.dpl;
  d.stack_switched = new_cpl < cpu.cpl();

  // 3. The stack: TSS.ss0:esp0 for a change to ring 0 (6.12.1, figure 6-4; TSS layout 7.2.1).
  std::uint32_t esp = cpu.esp;
  std::uint16_t ss = cpu.ss;
  if (d.stack_switched) {
    if (new_cpl != 0) return fail(kGP, sel_error(sel, ext), "only rings 0 and 3 are modelled");
    if (!cpu.tr_loaded) return fail(kTS, ext ? 1u : 0u, "no TSS loaded (TR is null)");
    // SDM vol. 2A INT n, INTER-PRIVILEGE-LEVEL-INTERRUPT: the 32-bit TSS's ss0:esp0 are bytes 4-9
    // ("TSSstackAddress + 5 > current TSS limit": #TS(TSS selector)). QEMU checks up to byte 11.
    if (4 + 5 > cpu.tr_limit) {
      return fail(kTS, sel_error(cpu.tr_selector, ext),
                  fmt::format("TSS limit {:#x} ends before TSS.ss0", cpu.tr_limit));
    }
    std::uint32_t esp0 = 0;
    std::uint16_t ss0 = 0;
    if (auto f = mem.read(cpu.tr_base + 4, &esp0, 4, true)) {
      DeliveryOutcome o;
      o.fault = DeliveryFault{*f, "reading TSS.esp0"};
      return o;
    }
    if (auto f = mem.read(cpu.tr_base + 8, &ss0, 2, true)) {
      DeliveryOutcome o;
      o.fault = DeliveryFault{*f, "reading TSS.ss0"};
      return o;
    }
    if ((ss0 & 0xFFFC) == 0 || (ss0 & 3) != new_cpl || (ss0 | 7u) > cpu.gdt_limit) {
      return fail(kTS, sel_error(ss0, ext), fmt::format("bad TSS.ss0 {:#06x}", ss0));
    }
    std::uint64_t raw_ss = 0;
    if (auto f = mem.read(cpu.gdt_base + (ss0 & ~7u), &raw_ss, 8, true)) {
      DeliveryOutcome o;
      o.fault = DeliveryFault{*f, "reading the TSS.ss0 descriptor"};
      return o;
    }
    SegmentDescriptor sd = decode_segment(raw_ss);
    if (!sd.is_writable_data() || sd.dpl != new_cpl) {
      return fail(kTS, sel_error(ss0, ext),
                  fmt::format("TSS.ss0 {:#06x} is not a ring-0 data segment", ss0));
    }
    if (!sd.present) return fail(kSS, sel_error(ss0, ext), "TSS.ss0 segment not present");
    esp = esp0;
    ss = ss0;
    d.esp0_used = esp0;
    d.frame = {cpu.ss, cpu.esp};
  }
  // Pushed in order: [SS, ESP,] EFLAGS, CS, EIP, [error code] (the record's order).
  d.frame.push_back(cpu.eflags);
  d.frame.push_back(cpu.cs);
  d.frame.push_back(cpu.eip);
  if (ev.error_code) d.frame.push_back(*ev.error_code);
  const std::uint32_t bytes = static_cast<std::uint32_t>(d.frame.size() * 4);
  const std::uint32_t frame_at = esp - bytes;
  // On the stack the last word pushed lies lowest, at the new ESP.
  const std::vector<std::uint32_t> stacked(d.frame.rbegin(), d.frame.rend());
  if (auto f = push_frame(mem, frame_at, stacked)) {
    DeliveryOutcome o;
    // A stack fault while pushing is #SS for a segment problem; a not-present page stays #PF
    // (6.12.1).
    o.fault = DeliveryFault{
        *f, fmt::format("pushing the {}-word frame at {:#010x}", d.frame.size(), frame_at)};
    return o;
  }
  DeliveryOutcome o;
  o.esp = frame_at;
  o.ss = ss;
  // 4. Flags (6.12.1.3): TF, NT, RF, VM cleared; IF cleared for an interrupt gate only.
  o.eflags = cpu.eflags & ~(kTF | kNT | kRF | kVM);
  if (gate.is_interrupt_gate()) o.eflags &= ~kIF;
  o.delivered = std::move(d);
  return o;
}

}  // namespace fs
