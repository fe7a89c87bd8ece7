// The record of one interrupt, exception or INT n delivered through the IDT (Intel SDM vol. 3A
// 6.12). One type for everyone who speaks of a delivery: emu/interrupt.cpp builds it, the machine
// hands it to its observers (emu/hooks.hpp), the recorder stores it as the trace's delivery event
// and the trace readers print it (trace/trace_format.hpp's EventData). Nothing converts it on the
// way; it depends on nothing but this folder, so the trace library can use it without the machine.
//
// The frame's order: the order the CPU pushes the words (SDM vol. 3A figure 6-4, and "INT n" in
// vol. 2A: SS, ESP, EFLAGS, CS, EIP, error code), which is the order the trace file stores them
// (docs/trace-format.md, format version 1) and the order `forkscope trace dump` and `events` print
// them. Memory order, what gdb's `x/6wx $esp` shows in the handler, is the reverse: frame.back() is
// at the handler's ESP. (An IRET's frame, trace::Iret, is listed in the order it pops: EIP first.)
#pragma once

#include <cstdint>
#include <vector>

#include "x86/mem_write.hpp"
#include "x86/vectors.hpp"

namespace fs {

// A far pointer as the CPU saves or loads it: CS:EIP.
struct FarPtr {
  std::uint16_t cs = 0;
  std::uint32_t eip = 0;
  bool operator==(const FarPtr&) const = default;
};

struct Delivery {
  std::uint8_t vector = 0;
  DeliveryKind kind = DeliveryKind::kException;
  bool has_error_code = false;
  std::uint32_t error_code = 0;  // 0 unless has_error_code
  // CS:EIP saved in the frame: the interrupted instruction, the faulting one, or the one after a
  // trap or INT n.
  FarPtr from;
  FarPtr to;                    // the handler (the gate's selector with the new CPL, its offset)
  bool stack_switched = false;  // a change to ring 0: SS:ESP loaded from TSS.ss0:esp0
  std::uint32_t esp0_used = 0;  // TSS.esp0 when stack_switched, else 0
  // Words pushed, in push order: with a ring change SS, ESP, EFLAGS, CS, EIP[, error code]; without
  // one EFLAGS, CS, EIP[, error code]. The trace stores at most 8 words.
  std::vector<std::uint32_t> frame;
  // The stores the CPU made delivering it, in the order made: the frame's words as pushed, and
  // before them those of an attempt that faulted part-way (its #PF or #DF is what was delivered).
  // The machine fills it for its observers; the trace stores at most 32 (format version 3 on,
  // docs/trace-format.md "Memory writes"); empty when read from a version 2 trace.
  std::vector<MemWrite> writes;

  bool is_exception() const { return kind == DeliveryKind::kException; }
  bool is_software_int() const { return kind == DeliveryKind::kSoftware; }
  bool is_irq() const { return kind == DeliveryKind::kExternal; }
  bool operator==(const Delivery&) const = default;
};

}  // namespace fs
