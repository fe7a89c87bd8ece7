// i486 clock counts per instruction (Intel486 Microprocessor Programmer's Reference Manual,
// appendix "Instruction Set Summary" clock-count columns; cache-hit, protected-mode figures, CPL <=
// IOPL for I/O).
//
// Determinism rule: a cost is a function of the static instruction (Capstone id and operand kinds)
// and, for conditional transfers only, of whether it was taken, so fast (per-block) and trace
// (per-instruction) runs charge identical cycles. REP string instructions are charged per iteration
// (Unicorn runs each iteration as one execution of the instruction); the manual's fixed part (e.g.
// the 12 of 12+3n) is not charged.
#pragma once

#include <capstone/capstone.h>

#include <cstdint>

namespace fs::cycle_table {

std::uint32_t insn_cycles(const cs_insn& insn);  // not-taken cost for conditional transfers
std::uint32_t taken_extra(const cs_insn& insn);  // extra when a Jcc/LOOP/JECXZ is taken, else 0
bool is_conditional_branch(const cs_insn& insn);
bool charged_by_delivery(
    const cs_insn& insn);            // INT n, INT3, INTO, IRET: see int_cycles/iret_cycles
bool is_known(const cs_insn& insn);  // false: the documented default was charged

enum class Delivery { kSamePrivilege, kToInnerPrivilege };
// INT n / exception / IRQ through an interrupt or trap gate, protected mode: 44 same level, 71 to
// inner.
std::uint32_t int_cycles(Delivery d);
// IRET, protected mode: 15 same level, 36 to outer level.
std::uint32_t iret_cycles(bool to_outer_privilege);

inline constexpr std::uint32_t kDefaultCycles = 2;
inline constexpr std::uint32_t kHltCycles = 4;

}  // namespace fs::cycle_table
