// Interrupt and exception delivery through the guest's IDT, as Intel SDM vol. 3A ch. 6 describes it
// (6.10-6.13: IDT, gates, stack switch, frames, error codes) and 6.15 table 6-5 (double-fault
// rules).
//
// Unicorn 2.0.1 never looks at the IDT: it reports `int n`, int3 and CPU exceptions to a hook and
// nothing more (UNICORN-NOTES.md). This file is the CPU's delivery microcode, written as a pure
// function over a register snapshot and a guest-memory interface, so it is unit-tested without
// Unicorn (tests/interrupt_test.cpp); emu/machine.cpp applies the result to the CPU.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "x86/delivery.hpp"
#include "x86/vectors.hpp"

namespace fs {

struct Event {
  std::uint8_t vector = 0;
  DeliveryKind kind = DeliveryKind::kException;
  std::optional<std::uint32_t> error_code;  // pushed when present
  // kSoftware: the length of the INT n / INT3 / INTO instruction that raised it. A fault while
  // delivering a software interrupt is a fault of that instruction (SDM vol. 3A 6.12.1.1, vol. 2A
  // "INT n/INTO/INT3/INT1"): its frame holds the instruction's own EIP, not the next one.
  std::uint8_t insn_length = 0;
};

// The EIP a fault raised while delivering `ev` pushes, given the EIP `ev` itself would have pushed:
// the INT instruction's for a software interrupt, else the same EIP (an external interrupt or an
// exception has not been charged to any instruction that could be restarted differently).
std::uint32_t delivery_fault_eip(const Event& ev, std::uint32_t return_eip);

// The error code's EXT bit (SDM vol. 3A 6.13): set when the fault happened while delivering an
// event external to the program - an external interrupt or an earlier exception - and clear for
// INT n, INT3 and INTO. QEMU never sets it; forkscope follows the SDM (docs/conformance.md).
bool external_event(const Event& ev);

// True for the exceptions that push an error code: 8, 10-14, 17 (SDM vol. 3A table 6-1).
bool pushes_error_code(std::uint8_t vector);

struct SegmentDescriptor {
  std::uint32_t base = 0;
  std::uint32_t limit = 0;  // in bytes, granularity applied
  std::uint8_t type = 0;    // 4-bit type field
  bool system = false;      // S = 0
  std::uint8_t dpl = 0;
  bool present = false;
  bool big = false;  // D/B
  bool is_code() const { return !system && (type & 8); }
  bool is_writable_data() const { return !system && !(type & 8) && (type & 2); }
  bool is_conforming_code() const { return is_code() && (type & 4); }
};
SegmentDescriptor decode_segment(std::uint64_t raw);

struct GateDescriptor {
  std::uint16_t selector = 0;
  std::uint32_t offset = 0;
  std::uint8_t type = 0;  // 0x5 task, 0x6/0x7 16-bit int/trap, 0xE/0xF 32-bit int/trap
  std::uint8_t dpl = 0;
  bool present = false;
  bool is_interrupt_gate() const { return type == 0xE || type == 0x6; }
  bool is_trap_gate() const { return type == 0xF || type == 0x7; }
  bool is_32bit() const { return type == 0xE || type == 0xF; }
};
GateDescriptor decode_gate(std::uint64_t raw);
std::uint64_t encode_gate(const GateDescriptor& g);  // for tests and fixtures

// What delivery needs from the CPU.
struct CpuSnapshot {
  std::uint32_t eip =
      0;  // return address for the frame (next insn for traps/INT n, faulting insn for faults)
  std::uint32_t eflags = 0;
  std::uint32_t esp = 0;
  std::uint16_t cs = 0, ss = 0;
  std::uint32_t gdt_base = 0, gdt_limit = 0;
  std::uint32_t idt_base = 0, idt_limit = 0;
  std::uint32_t tr_base = 0;
  std::uint32_t tr_limit = 0x67;  // the TSS's limit in bytes (0x67: the smallest 32-bit TSS)
  std::uint16_t tr_selector = 0;  // for a #TS about the TSS itself
  bool tr_loaded = false;
  unsigned cpl() const { return cs & 3u; }
};

// Guest memory by linear address. A read/write that faults reports the fault (e.g. #PF with cr2).
struct MemFault {
  std::uint8_t vector = kPF;
  std::uint32_t error_code = 0;
  std::uint32_t cr2 = 0;
};
class GuestMemory {
 public:
  virtual ~GuestMemory() = default;
  virtual std::optional<MemFault> read(std::uint32_t linear, void* out, unsigned n,
                                       bool supervisor) = 0;
  virtual std::optional<MemFault> write(std::uint32_t linear, const void* in, unsigned n,
                                        bool supervisor) = 0;
};

// A delivery that itself faulted (the fault to raise next, after the double-fault rules).
struct DeliveryFault {
  MemFault fault;   // vector + error code (+ cr2 for #PF)
  std::string why;  // "IDT limit 0x7ff < vector 0x80", "gate not present", ...
};

// What deliver() did: either the delivery (its record, and the state the handler starts in) or
// the fault it raised.
struct DeliveryOutcome {
  // The record observers and the trace see (x86/delivery.hpp): vector, handler, frame in push
  // order. The frame's words lie from `esp` up, the last one pushed first.
  std::optional<Delivery> delivered;
  // The handler's stack and flags (when delivered): SS:ESP after the push (on a stack switch SS is
  // TSS.ss0), EFLAGS with TF/NT/RF/VM cleared, IF too through an interrupt gate. CS:EIP is
  // delivered->to.
  std::uint16_t ss = 0;
  std::uint32_t esp = 0;
  std::uint32_t eflags = 0;
  std::optional<DeliveryFault> fault;
};

// Delivers `ev` with the CPU in state `cpu`. The frame is written only when every check before it
// passed, and then as the CPU pushes it: word by word down from the stack pointer (SS first on a
// stack switch), so a push that faults is a #PF with CR2 = that word's address, and the words
// above it are already written (SDM vol. 3A 6.12.1). Protected mode, flat model; task gates and LDT
// selectors are reported as faults (#GP) with a `why` saying they are not modelled.
DeliveryOutcome deliver(const CpuSnapshot& cpu, GuestMemory& mem, const Event& ev);

// SDM vol. 3A table 6-5: does a fault `second` raised while delivering `first` become #DF?
bool becomes_double_fault(std::uint8_t first, std::uint8_t second);

}  // namespace fs
